# respraft image: the static binary alone, no base image, so it builds with
# no registry at all. Build it with `make docker` (which runs `make build`
# first: CGO_ENABLED=0, so bin/respraft needs no libc).
#
# There is no shell in the image: health checks use the exec form,
# ["CMD", "/respraft", "health", "--addr", "127.0.0.1:6379", "--ready"].
FROM scratch

COPY bin/respraft /respraft

# Client (RESP) port and cluster port (Raft and internal RPCs).
EXPOSE 6379 16379

# scratch has no /data (nor /tmp): respraft creates --dir itself
# (os.MkdirAll), and the volume keeps the Raft log and snapshots across
# container re-creation.
VOLUME /data

ENTRYPOINT ["/respraft"]
CMD ["--bind", "0.0.0.0", "--dir", "/data"]
