# respraft: the commands a developer and CI need. See README.md.

GO ?= go

.PHONY: build run test bench lint clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/respraft ./cmd/respraft

# One node on 127.0.0.1:6379 (the default), data in ./data.
run: build
	./bin/respraft --dir ./data

# Unit, end-to-end and differential tests. Tests that need redis-server,
# redis-cli or docker skip themselves when those are missing. What the
# tests measure (stalls, election times) is printed at the end: go test
# shows a passing test's log only with -v.
test:
	@echo "$(GO) test -count=1 -timeout 30m ./..."
	@report=$$(mktemp); \
	RESPRAFT_TEST_REPORT=$$report $(GO) test -count=1 -timeout 30m ./...; status=$$?; \
	if [ -s "$$report" ]; then echo; echo "Measured by the tests:"; cat "$$report"; fi; \
	rm -f "$$report"; exit $$status

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

# ---- A three-node cluster in docker compose (docker-compose.yml) ----------
# Client ports on 127.0.0.1: 6379, 6380, 6381, or RESPRAFT_NODE1_PORT,
# RESPRAFT_NODE2_PORT, RESPRAFT_NODE3_PORT. Data in named volumes.
# For compose v2: make COMPOSE="docker compose" cluster-up

# The compose command, v1 or v2.
COMPOSE ?= docker-compose
# The image the compose file runs (RESPRAFT_IMAGE inside it).
IMAGE ?= respraft:dev
# Keeps one cluster apart from another (e.g. a test run's).
COMPOSE_PROJECT_NAME ?= respraft

NODES := node1 node2 node3
CLUSTERCTL = $(GO) run ./cmd/clusterctl -compose "$(COMPOSE)"

# What compose reads from the environment, for these targets only.
CLUSTER_TARGETS := cluster-up cluster-down cluster-clean cluster-rolling-restart
$(CLUSTER_TARGETS): export COMPOSE_PROJECT_NAME := $(COMPOSE_PROJECT_NAME)
$(CLUSTER_TARGETS): export RESPRAFT_IMAGE := $(IMAGE)

.PHONY: docker $(CLUSTER_TARGETS)

# FROM scratch plus bin/respraft: no registry needed.
docker: build
	docker build -t $(IMAGE) .

# Start (or update) the cluster and wait until every node is healthy.
cluster-up: docker
	$(COMPOSE) up -d
	$(CLUSTERCTL) wait-healthy -timeout 90s $(NODES)

# Remove the containers and network; the data volumes stay.
cluster-down:
	$(COMPOSE) down --remove-orphans

# Remove the containers, network and data volumes.
cluster-clean:
	$(COMPOSE) down -v --remove-orphans

# One node at a time: graceful stop, start, wait until ready (at most 60s).
cluster-rolling-restart:
	$(CLUSTERCTL) rolling-restart -grace 30s -timeout 60s $(NODES)
