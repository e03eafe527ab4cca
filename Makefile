# respraft: the commands a developer and CI need. See README.md.

GO ?= go

.PHONY: build run test bench lint clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/respraft ./cmd/respraft

# One node on 127.0.0.1:6379 (the default), data in ./data.
run: build
	./bin/respraft --dir ./data

# Unit, end-to-end and differential tests. Tests that need redis-server,
# redis-cli or docker skip themselves when those are missing.
test:
	$(GO) test -count=1 -timeout 30m ./...

bench:
	$(GO) run ./cmd/bench

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	$(GO) vet ./...

clean:
	rm -rf bin
