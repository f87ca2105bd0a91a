# privaudit in a small image: built in the Rust image, run from a slim Debian as a non-root
# user. `docker build -t privaudit .`, then
# `docker run --rm -v "$PWD:/work" privaudit audit --format sarif captures/ > privaudit.sarif`.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --locked --release -p privaudit \
 && cp target/release/privaudit /usr/local/bin/privaudit

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/privaudit /usr/local/bin/privaudit
# No shell logins, no home: the image only runs privaudit.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin privaudit
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["privaudit"]
CMD ["--help"]
