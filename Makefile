# boxoffice: `make run` starts the service on its embedded defaults, `make test` runs every test.

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
TEMPORAL  ?= $(GOBIN)/temporal
SQLC      ?= $(GOBIN)/sqlc
TEMPORAL_VERSION := v1.5.1
# The Temporal server the CLI embeds, built from source for the production shape (make cluster)
TEMPORAL_SERVER_VERSION := v1.29.1
TEMPORAL_SERVER ?= $(GOBIN)/temporal-server-$(TEMPORAL_SERVER_VERSION)
# The Temporal UI server the CLI embeds, built on its own to point at the cluster's server.
TEMPORAL_UI_VERSION := v2.42.1
SQLC_VERSION     := v1.31.1
REDOCLY          := npx --yes @redocly/cli@2.77.0

.PHONY: measure cluster cluster-rush temporal-server soak bench-idle run test test-short generate check-generated lint lint-openapi lint-alerts bench bench-queue bench-sales bench-cancellation bench-booking bench-metrics fuzz tools build rush rush-ci chaos

## run: the service on embedded defaults (memory store, local Temporal dev server, demo sale)
run: $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) $(GO) run ./cmd/boxoffice dev

## test: every test with the race detector, the product's and the tools' (tools/, a module of
## their own). PostgreSQL tests need BOXOFFICE_TEST_DATABASE_URL
## (or Docker for testcontainers); the end-to-end test also needs the Temporal CLI, and the
## Temporal server's test the server make temporal-server builds (skipped without it).
test: $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) BOXOFFICE_TEMPORAL_SERVER=$(wildcard $(TEMPORAL_SERVER)) $(GO) test -race -count=1 ./...
	TEMPORAL_CLI=$(TEMPORAL) $(GO) -C tools test -race -count=1 ./...

## test-short: the fast tests, without the end-to-end run
test-short:
	$(GO) test -short -count=1 ./...
	$(GO) -C tools test -short -count=1 ./...

## generate: sqlc code, the OpenAPI document, the Go client, the TypeScript SDK's types and the
## fan page's bundle (adapters/httpapi/web/fan.js), all from their sources (npm fetches the tools),
## and deploy/cluster's configuration files from the code the cluster run uses
generate: $(SQLC)
	$(SQLC) generate
	$(GO) run ./cmd/boxoffice openapi --out openapi/openapi.yaml
	$(GO) tool oapi-codegen -config openapi/apiclient/oapi-codegen.yaml openapi/openapi.yaml
	cd openapi/typescript && npm ci --no-audit --no-fund --silent && npm run --silent generate
	cd web && npm ci --no-audit --no-fund --silent && npm run --silent build
	$(GO) test -count=1 -run '^TestTheDeployedConfigsAreTheClusterRunsOwn$$' ./deploy/cluster -update

## check-generated: fail if the committed generated code differs from a fresh generation
check-generated: generate
	@git diff --exit-code -- adapters/postgres/internal/sqlcdb openapi adapters/httpapi/web deploy/cluster || \
		{ echo "generated code is stale: run 'make generate' and commit the result"; exit 1; }
	@test -z "$$(git status --porcelain -- adapters/postgres/internal/sqlcdb openapi adapters/httpapi/web deploy/cluster)" || \
		{ git status --porcelain -- adapters/postgres/internal/sqlcdb openapi adapters/httpapi/web deploy/cluster; echo "untracked generated files: run 'make generate' and commit"; exit 1; }

## lint: formatting, vet, the OpenAPI document against redocly's recommended rules, and the
## alert rules with promtool (Debian package prometheus)
lint: lint-openapi lint-alerts
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) -C tools vet ./...

## lint-alerts: the committed Prometheus alert rules, checked by promtool
lint-alerts:
	promtool check rules deploy/observability/prometheus/alerts.yml

## lint-openapi: the OpenAPI document against redocly's recommended rules (npm fetches the CLI)
lint-openapi:
	$(REDOCLY) lint --extends recommended openapi/openapi.yaml

## fuzz: each fuzz target for a number of executions (about 10 s each on a 2-core machine;
## FUZZSCALE multiplies them); the committed corpora in testdata/fuzz also run as ordinary tests
## in `make test`. A count, not a time: Go 1.26's coordinator can race its own -fuzztime deadline
## on a busy machine and fail with a bare "context deadline exceeded" (golang/go#75804)
FUZZSCALE ?= 1
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzRequests$$' -fuzztime $$((60000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzTokenVerify$$' -fuzztime $$((100000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzRequestHeaders$$' -fuzztime $$((40000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzJSONBody$$' -fuzztime $$((120000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzJSONNumber$$' -fuzztime $$((80000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzIDTokenClaims$$' -fuzztime $$((120000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzAuthorizationHeader$$' -fuzztime $$((120000 * $(FUZZSCALE)))x ./adapters/httpapi
	$(GO) test -run '^$$' -fuzz '^FuzzValidators$$' -fuzztime $$((250000 * $(FUZZSCALE)))x ./core
	$(GO) test -run '^$$' -fuzz '^FuzzISODuration$$' -fuzztime $$((550000 * $(FUZZSCALE)))x ./core
	$(GO) test -run '^$$' -fuzz '^FuzzNames$$' -fuzztime $$((350000 * $(FUZZSCALE)))x ./core/catalog
	$(GO) test -run '^$$' -fuzz '^FuzzDecodePayload$$' -fuzztime $$((200000 * $(FUZZSCALE)))x ./core/entry

## bench: the benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## build: the binary in bin/
build:
	$(GO) build -o bin/boxoffice ./cmd/boxoffice

## measure: the measuring tools (tools/measure, a module of their own) in bin/, which the rush,
## soak, cluster and bench-* targets run
measure:
	$(GO) -C tools build -o ../bin/measure ./measure

## rush: a whole sale, 20,000 fans for 1,500 seats over 3 API instances and a worker, then the audit
## (PostgreSQL from BOXOFFICE_TEST_DATABASE_URL, else the local server; up to 10 minutes)
rush: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure rush -spawn 3 -fans 20000 -arrival 60s -seats 500 -hold-ttl 60s -timeout 10m

## chaos: a sale while the worker and an API are killed -9 and restarted, Temporal restarts from
## its file and a private PostgreSQL cluster restarts; then every payment is retried and the books
## audited; and the cancellation of a sold-out 2,000-seat performance while the worker is killed
## -9 and Temporal restarts (about two minutes; needs the PostgreSQL server binaries and runs
## initdb as postgres)
chaos: $(TEMPORAL)
	BOXOFFICE_CHAOS=1 TEMPORAL_CLI=$(TEMPORAL) $(GO) -C tools test -count=1 -run '^TestChaos' -v ./measure

## soak: a sale kept going for 2 minutes on the production roles while every long-running
## workflow continues as new every few seconds (the dev server suggests it after 100 events):
## fans admitted within the wait they were told, a 150-ticket cancellation refunding one a
## round through several runs, the audit; fails on any fan late or stalled (about 3 minutes)
soak: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure soak

## bench-idle: what sales nobody queues for cost: the worker's, the API's and Temporal's CPU
## and the database's transactions with the demo sale alone and with 1,000 more open, and the
## operators' and fans' lists of sales with them all (about 2 minutes)
bench-idle: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure idle

## bench-queue: the waiting room's front door on loopback: /healthz (the ceiling), token issue
## and polling at 64 and 256 connections, then memory with 100,000 fans waiting (about 2 minutes)
bench-queue: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure queue

## bench-sales: token issue with one sale and with ten open, and a 2,000-seat listing, each against
## /healthz in the same run, with wrk (apt-get install wrk); about 2 minutes
bench-sales: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure sales

## bench-cancellation: an operator cancels a sold-out performance of 2,000 seats; how long until
## every fan is refunded, each exactly once, then the audit (about a minute)
bench-cancellation: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure cancellation

## bench-booking: the booking path on loopback at a rush's scale: FANS admitted fans (default
## 1000, up to 100000; CYCLE=1000 has the phases cycle through that many of them), with wrk,
## /healthz (the ceiling) at 64 and 256 connections, token polls, a 50-seat listing, a hold
## storm (every attempt another fan's) and token issue, each as a share of the ceiling;
## payments at 64 concurrent fans against the dev server's raw update rate; token issue at a
## constant 3,000 a second; a mass expiry of 1,000 holds (about 5 minutes at 100,000 fans)
FANS  ?= 1000
CYCLE ?= 0
bench-booking: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure booking -fans $(FANS) -cycle $(CYCLE)

## bench-metrics: token issue and polling with metrics on against off, with wrk, two systems a
## side started alternately (about two minutes)
bench-metrics: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure metrics

## rush-ci: two small sales at once (500 fans, a fifth of them in both; 150 seats each; 2 instances;
## 3-second holds so some expire) and the audit; any breach, unfair admission or 500 fails it
rush-ci: build measure $(TEMPORAL)
	TEMPORAL_CLI=$(TEMPORAL) bin/measure rush -spawn 2 -sales 2 -fans 500 -arrival 5s -hold-ttl 3s -timeout 5m

## cluster: boxoffice in its production shape on loopback until Ctrl-C: a Temporal server built
## from source on PostgreSQL (frontend, history, matching, worker), two workers, three APIs
## behind HAProxy, PostgreSQL behind PgBouncer in transaction mode; prints where to look
## (apt-get install haproxy pgbouncer), and the Temporal UI pointed at the server
cluster: build measure $(TEMPORAL_SERVER)/server $(TEMPORAL_SERVER)/ui/server
	BOXOFFICE_TEMPORAL_SERVER=$(TEMPORAL_SERVER) bin/measure cluster

## cluster-rush: two sales on the production shape: a rush with no fault (no error allowed, FIFO,
## the audit), then one while an API and a worker are killed -9, every Temporal service
## restarts and PgBouncer is killed; every payment retried gets its first receipt, the audit
## passes (about a minute once the server is built)
cluster-rush: $(TEMPORAL_SERVER)/server
	BOXOFFICE_CLUSTER=1 BOXOFFICE_TEMPORAL_SERVER=$(TEMPORAL_SERVER) $(GO) -C tools test -count=1 -run '^TestClusterRush$$' -v ./measure

## temporal-server: the Temporal server and its SQL schema tool, built from source, with the
## PostgreSQL schemas and the Temporal UI server, in $(TEMPORAL_SERVER) (about 5 minutes the
## first time)
temporal-server: $(TEMPORAL_SERVER)/server $(TEMPORAL_SERVER)/ui/server

$(TEMPORAL_SERVER)/ui/server:
	@echo "building the Temporal UI $(TEMPORAL_UI_VERSION) from source (about 2 minutes the first time)"
	GOBIN=$(TEMPORAL_SERVER)/ui $(GO) install github.com/temporalio/ui-server/v2/cmd/server@$(TEMPORAL_UI_VERSION)

$(TEMPORAL_SERVER)/server:
	@echo "building the Temporal server $(TEMPORAL_SERVER_VERSION) from source (about 3 minutes the first time)"
	GOBIN=$(TEMPORAL_SERVER) $(GO) install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION) go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION)
	rm -rf $(TEMPORAL_SERVER)/schema && mkdir -p $(TEMPORAL_SERVER)/schema
	cp -r $$($(GO) env GOMODCACHE)/go.temporal.io/server@$(TEMPORAL_SERVER_VERSION)/schema/postgresql/v12/temporal \
	      $$($(GO) env GOMODCACHE)/go.temporal.io/server@$(TEMPORAL_SERVER_VERSION)/schema/postgresql/v12/visibility $(TEMPORAL_SERVER)/schema/
	chmod -R u+w $(TEMPORAL_SERVER)/schema

## tools: the Temporal CLI, the Temporal server and its UI, and sqlc, built from source with go
## install
tools: $(TEMPORAL) $(TEMPORAL_SERVER)/server $(TEMPORAL_SERVER)/ui/server $(SQLC)

$(TEMPORAL):
	@echo "installing the Temporal CLI $(TEMPORAL_VERSION) (about 4 minutes the first time)"
	$(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

$(SQLC):
	$(GO) install github.com/sqlc-dev/sqlc/cmd/sqlc@$(SQLC_VERSION)
