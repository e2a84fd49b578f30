# The registration service: built with the project's toolchain, run from a small image as a non-root
# user with no shell. Build from the repository root:
#   docker build -f deploy/docker/registration.Dockerfile -t rex-registration .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p rex-registration

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/rex-registration /usr/local/bin/rex-registration
USER 65532:65532
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/rex-registration"]
CMD ["serve"]
