// Package temporalserver runs a Temporal server built from source (not the CLI's dev server) on
// loopback: persistence and visibility on PostgreSQL, several history shards, and the frontend,
// history, matching and worker services each in a process of its own, as a self-hosted
// cluster runs them on several machines. `make temporal-server` builds it.
package temporalserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"text/template"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/boxoffice/boxoffice/testbed/freeport"
	"github.com/boxoffice/boxoffice/testbed/process"
)

// Services are the server's services, started in this order and stopped in the reverse one.
var Services = []string{"history", "matching", "frontend", "worker"}

// Options say where the server's parts are and what it keeps.
type Options struct {
	// Dir holds `server`, `sql` (the schema tool) and `schema/` (the PostgreSQL v12 schemas),
	// as `make temporal-server` installs them.
	Dir string
	// AdminURL is a PostgreSQL admin URL: the server's two databases are created there.
	AdminURL string
	// Prefix names the databases: Prefix_temporal and Prefix_visibility.
	Prefix string
	// Shards is the number of history shards (4 when 0).
	Shards int
	// Namespace is registered at start (with a day's retention).
	Namespace string
	// Work holds the configuration and the logs (a new temporary directory when empty).
	Work string
	// SearchAttributes are registered in the namespace at start, before any workflow runs:
	// each service reads the custom search attributes into a cache it refreshes once a minute,
	// and a start that names one registered since waited past its callers' deadlines on a
	// fresh cluster.
	SearchAttributes map[string]enumspb.IndexedValueType
	// UI starts the Temporal UI (Dir/ui/server) pointed at the server.
	UI bool
}

// Server is a running Temporal server.
type Server struct {
	// Frontend is the frontend's gRPC address, host:port.
	Frontend string
	// MetricsURLs are each service's Prometheus endpoint, by service.
	MetricsURLs map[string]string
	// Work is the directory of its configuration and logs (one a service).
	Work string
	// UI is the Temporal UI's address (http://host:port), pointed at the server; empty when
	// Options.UI was not asked for.
	UI string

	o        Options
	ui       *exec.Cmd
	uiExited chan error
	ring     map[string]string // each service's membership address (the worker serves no gRPC)
	procs    map[string]*exec.Cmd
	exits    map[string]chan error
}

// Start creates the databases and schemas, starts every service and registers the namespace;
// on error it stops what it started.
func Start(ctx context.Context, o Options) (s *Server, err error) {
	if o.Shards == 0 {
		o.Shards = 4
	}
	bins := []string{filepath.Join(o.Dir, "server"), filepath.Join(o.Dir, "sql")}
	if o.UI {
		bins = append(bins, uiBinary(o.Dir))
	}
	for _, bin := range bins {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("the Temporal server is not built in %s (make temporal-server): %w", o.Dir, err)
		}
	}
	if o.Work == "" {
		if o.Work, err = os.MkdirTemp("", "temporal-server-"); err != nil {
			return nil, err
		}
	}
	s = &Server{Work: o.Work, o: o, MetricsURLs: map[string]string{}, ring: map[string]string{}, procs: map[string]*exec.Cmd{}, exits: map[string]chan error{}}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	pg, err := url.Parse(o.AdminURL)
	if err != nil || pg.Port() == "" {
		return s, fmt.Errorf("the Temporal server needs a postgres://host:port admin URL, not %q", o.AdminURL)
	}
	dbs := Databases(o.Prefix)
	for schema, db := range dbs {
		if err := createSchema(ctx, o, pg, db, schema); err != nil {
			return s, err
		}
	}
	if err := s.writeConfig(pg, dbs); err != nil {
		return s, err
	}
	if err := s.startServices(ctx); err != nil {
		return s, err
	}
	if len(o.SearchAttributes) > 0 {
		if err := s.registerSearchAttributes(ctx); err != nil {
			return s, err
		}
	}
	if err := s.awaitUp(ctx); err != nil {
		return s, err
	}
	if o.UI {
		return s, s.startUI(ctx)
	}
	return s, nil
}

// registerSearchAttributes registers the namespace and o.SearchAttributes, then restarts the
// services, so that each reads them into its cache from the start; no workflow runs before.
func (s *Server) registerSearchAttributes(ctx context.Context) error {
	c, err := s.usableNamespace(ctx)
	if err != nil {
		return err
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: s.o.Namespace, SearchAttributes: s.o.SearchAttributes,
	})
	c.Close()
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register search attributes: %w", err)
	}
	s.stopServices()
	return s.startServices(ctx)
}

// startServices starts the services one after the other, each once the one before listens:
// started together on a fresh database, they race to write the cluster's metadata and the
// losers exit.
func (s *Server) startServices(ctx context.Context) error {
	for _, svc := range Services {
		if err := s.startService(svc); err != nil {
			return err
		}
		if err := s.awaitListening(ctx, svc); err != nil {
			return err
		}
	}
	return nil
}

// awaitListening waits until a service accepts connections on its membership port, which it
// opens once it has started.
func (s *Server) awaitListening(ctx context.Context, svc string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if err := s.exitedEarly(); err != nil {
			return err
		}
		if c, err := net.DialTimeout("tcp", s.ring[svc], 100*time.Millisecond); err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("Temporal %s did not listen on %s within a minute (its log: %s)", svc, s.ring[svc], s.Log(svc))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SchemaSteps are the schema tool's commands for a database of kind (temporal or visibility),
// its schemas in schemaDir: setup gives a new database the base schema, update brings any to
// the latest version.
func SchemaSteps(schemaDir, kind string) (setup, update []string) {
	return []string{"setup-schema", "-v", "0.0"}, []string{"update-schema", "-d", schemaDir + "/" + kind + "/versioned"}
}

// createSchema creates db if it does not exist and brings it to the latest schema of its kind
// (temporal or visibility) with the server's schema tool.
func createSchema(ctx context.Context, o Options, pg *url.URL, db, kind string) error {
	conn, err := pgx.Connect(ctx, o.AdminURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL for the Temporal server's databases: %w", err)
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists)
	if err == nil && !exists {
		_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize())
	}
	_ = conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("create database %s: %w", db, err)
	}
	password, _ := pg.User.Password()
	base := []string{"--plugin", "postgres12", "--ep", pg.Hostname(), "--port", pg.Port(),
		"--user", pg.User.Username(), "--password", password, "--db", db}
	setup, update := SchemaSteps(filepath.Join(o.Dir, "schema"), kind)
	steps := [][]string{}
	if !exists {
		steps = append(steps, setup)
	}
	steps = append(steps, update)
	for _, step := range steps {
		cmd := exec.CommandContext(ctx, filepath.Join(o.Dir, "sql"), append(slices.Clone(base), step...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("temporal sql tool %s on %s: %w\n%s", step[0], db, err, out)
		}
	}
	return nil
}

// configTemplate is a service's configuration; each service's differs from the others' in the
// address it announces to them and its metrics' address.
var configTemplate = template.Must(template.New("config").Parse(`log:
  stdout: true
  level: warn

persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: {{.Shards}}
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: {{.TemporalDB}}
        connectAddr: "{{.PG}}"
        connectProtocol: tcp
        user: "{{.User}}"
        password: "{{.Password}}"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: {{.VisibilityDB}}
        connectAddr: "{{.PG}}"
        connectProtocol: tcp
        user: "{{.User}}"
        password: "{{.Password}}"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: {{.Self.Host}}
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "{{.Metrics}}"

services:
{{- range .Services}}
  {{.Name}}:
    rpc:
      grpcPort: {{.GRPC}}
      membershipPort: {{.Membership}}
{{- if $.Bind}}
      bindOnIP: {{$.Bind}}
{{- else}}
      bindOnLocalHost: true
{{- end}}
{{- if .HTTP}}
      httpPort: {{.HTTP}}
{{- end}}
{{- end}}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "{{.Frontend}}"

dcRedirectionPolicy:
  policy: noop

dynamicConfigClient:
  filepath: "{{.DynamicConfig}}"
  pollInterval: 10s
`))

// DynamicConfig turns on what boxoffice uses (updates, update-with-start) whatever the
// server's defaults, and lets workflow ids be as long as boxoffice's.
const DynamicConfig = `frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
limit.maxIDLength:
  - value: 255
`

// Layout is where a cluster's services are and what they keep: the cluster run's (loopback, a
// port each chosen at start) or deploy/cluster's (a container each on Temporal's usual ports).
type Layout struct {
	// Shards is the number of history shards: fixed for the life of the databases.
	Shards int
	// Postgres is the database server's host:port; User and Password the role the services
	// log in as; TemporalDB and VisibilityDB their two databases.
	Postgres, User, Password, TemporalDB, VisibilityDB string
	// Services are the services' endpoints, in the order of Services.
	Services []Endpoint
	// Bind is the address the services bind to (0.0.0.0 in a container); when empty, each
	// binds to loopback.
	Bind string
	// DynamicConfig is the path of the dynamic configuration file (DynamicConfig's content) as
	// the services see it.
	DynamicConfig string
}

// Endpoint is where one service is: Host is the address it announces to the others; HTTP is
// the frontend's HTTP API (0 for the other services); Metrics its Prometheus listen address.
type Endpoint struct {
	Name                   string
	Host                   string
	GRPC, Membership, HTTP int
	Metrics                string
}

// Frontend is the frontend's gRPC address, host:port.
func (l Layout) Frontend() string {
	for _, e := range l.Services {
		if e.Name == "frontend" {
			return net.JoinHostPort(e.Host, strconv.Itoa(e.GRPC))
		}
	}
	return ""
}

// Configs are each service's configuration file, by service name.
func (l Layout) Configs() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, self := range l.Services {
		var buf bytes.Buffer
		err := configTemplate.Execute(&buf, map[string]any{
			"Shards": l.Shards, "TemporalDB": l.TemporalDB, "VisibilityDB": l.VisibilityDB,
			"PG": l.Postgres, "User": l.User, "Password": l.Password, "Self": self, "Metrics": self.Metrics,
			"Services": l.Services, "Bind": l.Bind, "Frontend": l.Frontend(), "DynamicConfig": l.DynamicConfig,
		})
		if err != nil {
			return nil, err
		}
		out[self.Name] = buf.Bytes()
	}
	return out, nil
}

// writeConfig writes config/<service>.yaml for each service, on ports chosen now and kept
// across restarts.
func (s *Server) writeConfig(pg *url.URL, dbs map[string]string) error {
	dir := filepath.Join(s.Work, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	password, _ := pg.User.Password()
	l := Layout{Shards: s.o.Shards, Postgres: pg.Host, User: pg.User.Username(), Password: password,
		TemporalDB: dbs["temporal"], VisibilityDB: dbs["visibility"], DynamicConfig: filepath.Join(dir, "dynamic.yaml")}
	if err := os.WriteFile(l.DynamicConfig, []byte(DynamicConfig), 0o644); err != nil {
		return err
	}
	for _, name := range Services {
		e := Endpoint{Name: name, Host: "127.0.0.1"}
		ports := []*int{&e.GRPC, &e.Membership}
		if name == "frontend" {
			ports = append(ports, &e.HTTP)
		}
		var metrics int
		for _, p := range append(ports, &metrics) {
			port, err := freeport.Port()
			if err != nil {
				return err
			}
			*p = port
		}
		e.Metrics = fmt.Sprintf("127.0.0.1:%d", metrics)
		s.MetricsURLs[name] = "http://" + e.Metrics + "/metrics"
		s.ring[name] = net.JoinHostPort(e.Host, strconv.Itoa(e.Membership))
		l.Services = append(l.Services, e)
	}
	s.Frontend = l.Frontend()
	configs, err := l.Configs()
	if err != nil {
		return err
	}
	for name, config := range configs {
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), config, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ServiceArgs are the server's arguments that run one service, its configuration in
// root/config/<service>.yaml.
func ServiceArgs(root, service string) []string {
	return []string{"--root", root, "--config", "config", "--env", service, "--allow-no-auth", "start", "--service", service}
}

// startService starts one service in a process of its own, its output in <service>.log.
func (s *Server) startService(name string) error {
	logFile, err := os.OpenFile(s.Log(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(s.o.Dir, "server"), ServiceArgs(s.Work, name)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// If the process that started it dies without stopping it, the kernel sends SIGTERM.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start Temporal %s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.procs[name], s.exits[name] = cmd, exited
	return nil
}

// Databases are the names of a server's two databases, by schema (temporal, visibility), for
// the prefix it was started with.
func Databases(prefix string) map[string]string {
	return map[string]string{"temporal": prefix + "_temporal", "visibility": prefix + "_visibility"}
}

// DropDatabases drops the two databases of a server started with prefix on admin, once it
// has stopped.
func DropDatabases(ctx context.Context, admin, prefix string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, db := range Databases(prefix) {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	return nil
}

// PID is the process id of a service (0 when it is not running).
func (s *Server) PID(service string) int {
	if cmd, ok := s.procs[service]; ok {
		return cmd.Process.Pid
	}
	return 0
}

// Log is the log file of a service.
func (s *Server) Log(service string) string { return filepath.Join(s.Work, service+".log") }

// awaitUp waits until the namespace is usable and a workflow runs on the server.
func (s *Server) awaitUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c, err := s.usableNamespace(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return runCanary(ctx, c, fmt.Sprintf("canary-%d", time.Now().UnixNano()))
}

// usableNamespace registers the namespace once the frontend answers, waits until it is usable
// (the services read namespaces from a cache they refresh), and returns a client of it, which
// the caller closes.
func (s *Server) usableNamespace(ctx context.Context) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var c client.Client
	var err error
	for c == nil {
		if err := s.exitedEarly(); err != nil {
			return nil, err
		}
		if c, err = client.DialContext(ctx, client.Options{HostPort: s.Frontend, Namespace: s.o.Namespace, Logger: quietLogger{}}); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("the Temporal frontend at %s did not answer within 2 minutes: %w (logs in %s)", s.Frontend, err, s.Work)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: s.o.Namespace, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	var already *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &already) {
		c.Close()
		return nil, fmt.Errorf("register namespace %s: %w", s.o.Namespace, err)
	}
	for {
		_, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.o.Namespace})
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			c.Close()
			return nil, fmt.Errorf("namespace %s not usable within 2 minutes: %w", s.o.Namespace, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// runCanary runs a workflow through an update-with-start on a worker and task queue of its own,
// until one completes: the services answer health checks before their membership ring has
// settled, and a worker that polls meanwhile is refused ("not enough hosts") and backs off for
// seconds.
func runCanary(ctx context.Context, c client.Client, id string) error {
	queue := "temporalserver-" + id
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(canary, workflow.RegisterOptions{Name: "canary"})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	var last error
	for try := 0; ctx.Err() == nil; try++ {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		id := fmt.Sprintf("%s-%d", id, try)
		h, err := c.UpdateWithStartWorkflow(callCtx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
				ID: id, TaskQueue: queue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, "canary"),
			UpdateOptions: client.UpdateWorkflowOptions{UpdateName: "done", WaitForStage: client.WorkflowUpdateStageCompleted},
		})
		if err == nil {
			err = h.Get(callCtx, nil)
		}
		if err == nil {
			err = c.GetWorkflow(callCtx, id, "").Get(callCtx, nil)
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("no workflow ran on the Temporal server within 2 minutes: %w", last)
}

// canary ends once its update `done` has been answered.
func canary(ctx workflow.Context) error {
	done := false
	if err := workflow.SetUpdateHandler(ctx, "done", func(workflow.Context) error { done = true; return nil }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return done })
}

// exitedEarly reports a service that has exited.
func (s *Server) exitedEarly() error {
	for name, exited := range s.exits {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("Temporal %s exited at start-up (%v); its log: %s", name, err, s.Log(name))
		default:
		}
	}
	return nil
}

// Restart stops every service and starts them again on the same configuration, as a rolling
// upgrade done all at once or a power cut would.
func (s *Server) Restart(ctx context.Context, pause time.Duration) error {
	s.stopServices()
	time.Sleep(pause)
	if err := s.startServices(ctx); err != nil {
		return err
	}
	return s.awaitUp(ctx)
}

// Stop ends the UI and every service (SIGTERM, SIGKILL after 15 s).
func (s *Server) Stop() {
	s.stopUI()
	s.stopServices()
}

func (s *Server) stopServices() {
	for i := len(Services) - 1; i >= 0; i-- {
		name := Services[i]
		cmd, ok := s.procs[name]
		if !ok {
			continue
		}
		process.Stop(cmd, s.exits[name], 15*time.Second)
		delete(s.procs, name)
		delete(s.exits, name)
	}
}

type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
