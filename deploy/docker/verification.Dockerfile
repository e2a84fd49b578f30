# The verification service: built with the project's toolchain, run from a small image as a non-root
# user with no shell. Build from the repository root:
#   docker build -f deploy/docker/verification.Dockerfile -t rex-verification .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p rex-verification

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/rex-verification /usr/local/bin/rex-verification
USER 65532:65532
EXPOSE 50052
ENTRYPOINT ["/usr/local/bin/rex-verification"]
CMD ["serve"]
