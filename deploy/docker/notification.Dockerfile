# The notification service: built with the project's toolchain, run from a small image as a non-root
# user with no shell. Build from the repository root:
#   docker build -f deploy/docker/notification.Dockerfile -t rex-notification .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p rex-notification

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/rex-notification /usr/local/bin/rex-notification
USER 65532:65532
EXPOSE 50053
ENTRYPOINT ["/usr/local/bin/rex-notification"]
CMD ["serve"]
