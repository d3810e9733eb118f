package cluster_test

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
	"github.com/boxoffice/boxoffice/deploy/cluster"
	"github.com/boxoffice/boxoffice/testbed/haproxy"
	"github.com/boxoffice/boxoffice/testbed/temporalserver"
	"github.com/boxoffice/boxoffice/testbed/temporaltest"
)

var update = flag.Bool("update", false, "write the rendered configuration files (make generate)")

// The committed files are the ones the cluster run's code renders for the deployment.
func TestTheDeployedConfigsAreTheClusterRunsOwn(t *testing.T) {
	files, err := cluster.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		if *update {
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v (make generate writes it)", name, err)
		} else if string(got) != want {
			t.Errorf("deploy/cluster/%s differs from what the cluster run renders: run make generate", name)
		}
	}
}

// HAProxy (Debian's package, as in the image) accepts its configuration; names of API
// containers that do not resolve here start down instead of failing the check.
func TestHAProxyAcceptsItsConfiguration(t *testing.T) {
	bin, err := haproxy.Binary()
	if err != nil {
		temporaltest.Missing(t, err)
	}
	if out, err := exec.Command(bin, "-c", "-f", "haproxy/haproxy.cfg").CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}

// compose is what the test reads of compose.yaml.
type compose struct {
	Services map[string]struct {
		Image       string
		Build       struct{ Context, Dockerfile, Target string }
		Command     []string
		Environment map[string]string
		Volumes     []string
		Ports       []string
		Networks    any
		DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
	}
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet  string
				IPRange string `yaml:"ip_range"`
			}
		} `yaml:"ipam"`
	}
}

func readCompose(t *testing.T) compose {
	t.Helper()
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// compose.yaml runs the shape the rendered files describe: every file mounted, the Temporal
// services at the addresses their ring announces, the APIs HAProxy balances, boxoffice's
// queries through the bouncer and its sessions direct, everything started after what it needs.
func TestComposeRunsWhatTheConfigsDescribe(t *testing.T) {
	c := readCompose(t)
	files, err := cluster.Files()
	if err != nil {
		t.Fatal(err)
	}
	mounted := map[string]bool{}
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, "./") {
				continue // a named volume
			}
			if _, err := os.Stat(src); err != nil {
				t.Errorf("%s mounts %s: %v", name, src, err)
			}
			dst, _, _ := strings.Cut(strings.TrimPrefix(v, src+":"), ":")
			if want := cluster.Mounts()[strings.TrimPrefix(src, "./")]; dst != want {
				t.Errorf("%s mounts %s at %s; the rendered files expect it at %q", name, src, dst, want)
			}
			mounted[strings.TrimPrefix(src, "./")] = true
		}
		if s.Build.Target != "" && (s.Build.Context != "../.." || s.Build.Dockerfile != "deploy/cluster/Dockerfile") {
			t.Errorf("%s builds %+v, not from deploy/cluster/Dockerfile at the repository's root", name, s.Build)
		}
	}
	for file := range files {
		if !mounted[file] && !mounted[filepath.Dir(file)] && !mounted[filepath.Dir(filepath.Dir(file))] {
			t.Errorf("%s is rendered but no service mounts it", file)
		}
	}

	subnet, dynamic := cluster.Network()
	if nets := c.Networks["cluster"].IPAM.Config; len(nets) != 1 || nets[0].Subnet != subnet || nets[0].IPRange != dynamic {
		t.Errorf("the cluster network: %+v, want subnet %s assigning from %s", nets, subnet, dynamic)
	}
	_, inSubnet, _ := net.ParseCIDR(subnet)
	_, assigned, _ := net.ParseCIDR(dynamic)
	for _, e := range cluster.TemporalServices() {
		s, ok := c.Services["temporal-"+e.Name]
		if !ok {
			t.Errorf("no service temporal-%s", e.Name)
			continue
		}
		if want := append([]string{"temporal-server"}, temporalserver.ServiceArgs("/etc/temporal", e.Name)...); !slices.Equal(s.Command, want) {
			t.Errorf("temporal-%s runs %v, want %v", e.Name, s.Command, want)
		}
		address := s.Networks.(map[string]any)["cluster"].(map[string]any)["ipv4_address"]
		if address != e.Host {
			t.Errorf("temporal-%s is at %v; its configuration announces %s", e.Name, address, e.Host)
		}
		if ip := net.ParseIP(e.Host); !inSubnet.Contains(ip) || assigned.Contains(ip) {
			t.Errorf("temporal-%s's address %s must be in %s and outside the range compose assigns (%s)", e.Name, e.Host, subnet, dynamic)
		}
		if s.DependsOn["temporal-schema"].Condition != "service_completed_successfully" {
			t.Errorf("temporal-%s starts before the schema is set up: %+v", e.Name, s.DependsOn)
		}
	}

	ui := c.Services["temporal-ui"]
	if root := flagValue(ui.Command, "--root"); root+"/config" != cluster.Mounts()["temporal/ui/config"] || !slices.Contains(ui.Ports, fmt.Sprintf("8233:%d", cluster.UIPort)) {
		t.Errorf("the UI runs %v with ports %v; its config is mounted at %s and serves on %d", ui.Command, ui.Ports, cluster.Mounts()["temporal/ui/config"], cluster.UIPort)
	}
	for _, p := range []int{cluster.ProxyPort, cluster.ProxyStatsPort} {
		if !slices.Contains(c.Services["haproxy"].Ports, fmt.Sprintf("%d:%d", p, p)) {
			t.Errorf("HAProxy publishes %v, not its port %d", c.Services["haproxy"].Ports, p)
		}
	}
	for svc, script := range map[string]string{"temporal-schema": "temporal/schema.sh", "temporal-namespace": "temporal/namespace.sh"} {
		if cmd := c.Services[svc].Command; !slices.Equal(cmd, []string{"sh", cluster.Mounts()[script]}) {
			t.Errorf("%s runs %v, not its mounted %s", svc, cmd, script)
		}
	}

	pg := c.Services["postgres"].Environment
	if pg["POSTGRES_USER"] != cluster.User || pg["POSTGRES_PASSWORD"] != cluster.Password || pg["POSTGRES_DB"] != cluster.Database {
		t.Errorf("postgres's role and database %v are not the configs' (%s, %s)", pg, cluster.User, cluster.Database)
	}
	if got := c.Services["temporal-schema"].Environment["POSTGRES_PASSWORD"]; got != cluster.Password {
		t.Errorf("the schema tool logs in with %q", got)
	}

	var apis []string
	for name, s := range c.Services {
		if s.Image != "boxoffice/boxoffice:local" || name == "migrate" {
			continue
		}
		role := strings.Join(s.Command, " ")
		env := s.Environment
		direct, pooled := parseURL(t, env["DATABASE_DIRECT_URL"]), parseURL(t, env["DATABASE_URL"])
		if pooled.Host != cluster.Bouncer || pooled.Query().Get("default_query_exec_mode") != "exec" {
			t.Errorf("%s queries through %s, want the bouncer %s with default_query_exec_mode=exec", name, pooled.Redacted(), cluster.Bouncer)
		}
		if direct.Host != cluster.Postgres {
			t.Errorf("%s's sessions go to %s, want %s", name, direct.Redacted(), cluster.Postgres)
		}
		for _, u := range []*url.URL{direct, pooled} {
			password, _ := u.User.Password()
			if u.User.Username() != cluster.User || password != cluster.Password || u.Path != "/"+cluster.Database {
				t.Errorf("%s logs in to %s", name, u.Redacted())
			}
		}
		if env["TEMPORAL_ADDRESS"] != cluster.TemporalLayout().Frontend() || env["TEMPORAL_NAMESPACE"] != cluster.Namespace {
			t.Errorf("%s reaches Temporal at %s, namespace %s; the frontend is %s", name, env["TEMPORAL_ADDRESS"], env["TEMPORAL_NAMESPACE"], cluster.TemporalLayout().Frontend())
		}
		if _, err := httpapi.ParseRateLimits(env["BOXOFFICE_RATE_LIMIT"]); err != nil || strings.Contains(env["BOXOFFICE_RATE_LIMIT"], "-addr") {
			t.Errorf("%s's rate limits %q: behind the proxy, limits per address would throttle every fan together (%v)", name, env["BOXOFFICE_RATE_LIMIT"], err)
		}
		for _, dep := range []string{"migrate", "temporal-namespace"} {
			if s.DependsOn[dep].Condition != "service_completed_successfully" {
				t.Errorf("%s starts before %s has completed: %+v", name, dep, s.DependsOn)
			}
		}
		switch role {
		case "api":
			if env["BOXOFFICE_ADDR"] != "0.0.0.0:8080" {
				t.Errorf("%s listens on %q", name, env["BOXOFFICE_ADDR"])
			}
			apis = append(apis, name+":8080")
		case "worker":
		default:
			t.Errorf("%s runs boxoffice %q", name, role)
		}
	}
	slices.Sort(apis)
	if !slices.Equal(apis, cluster.APIBackends()) {
		t.Errorf("compose runs the APIs %v; HAProxy balances %v", apis, cluster.APIBackends())
	}
}

// The images are built at the versions the Makefile pins for the cluster run.
func TestTheImagesAreBuiltAtTheMakefilesVersions(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"TEMPORAL_SERVER_VERSION", "TEMPORAL_VERSION", "TEMPORAL_UI_VERSION"} {
		pinned := regexp.MustCompile(`(?m)^` + name + ` := (\S+)$`).FindSubmatch(makefile)
		built := regexp.MustCompile(`(?m)^ARG ` + name + `=(\S+)$`).FindSubmatch(dockerfile)
		if pinned == nil || built == nil || string(pinned[1]) != string(built[1]) {
			t.Errorf("%s: the Makefile pins %q, the Dockerfile builds %q", name, pinned, built)
		}
	}
	if !strings.Contains(string(dockerfile), "go build -trimpath -o /out/boxoffice ./cmd/boxoffice") {
		t.Error("the Dockerfile does not build ./cmd/boxoffice")
	}
}

// flagValue is the argument after flag in args.
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func parseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil || s == "" {
		t.Errorf("%q is not a URL: %v", s, err)
		return &url.URL{}
	}
	return u
}
