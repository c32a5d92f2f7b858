package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeFile is what the test reads of deploy/compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   yaml.Node         `yaml:"depends_on"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestComposeFile: the compose file (which cannot be run here: there is
// no Docker) parses, with its anchors; it runs PostgreSQL with pgvector,
// one indexer and two replicas behind Caddy; each dramabot command parses
// as the program's own flags; every variable it sets is a setting; and
// the Caddyfile sends requests to both replicas.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	known := map[string]bool{}
	for _, s := range settings {
		known[s.env] = true
	}
	roles := map[string][]string{}
	for name, svc := range c.Services {
		for _, v := range svc.Volumes {
			if vol, _, _ := strings.Cut(v, ":"); !strings.HasPrefix(vol, ".") {
				if _, ok := c.Volumes[vol]; !ok {
					t.Errorf("%s: volume %s is not declared", name, vol)
				}
			}
		}
		if len(svc.Command) == 0 || svc.Command[0] != "serve" {
			continue
		}
		for k := range svc.Environment {
			if !known[k] {
				t.Errorf("%s: %s is no dramabot setting", name, k)
			}
		}
		if !strings.HasPrefix(svc.Environment["DRAMABOT_STORE"], "postgres://") {
			t.Errorf("%s: DRAMABOT_STORE = %q", name, svc.Environment["DRAMABOT_STORE"])
		}
		var cfg config
		cl := newCLI("serve", onServe, "", func(string) string { return "" }, io.Discard, &cfg)
		if err := cl.parse(svc.Command[1:]); err != nil {
			t.Errorf("%s: %v: %v", name, svc.Command, err)
		}
		cfg.Store = svc.Environment["DRAMABOT_STORE"]
		if cfg.Role == "" {
			cfg.Role = svc.Environment["DRAMABOT_ROLE"]
		}
		role, err := cfg.role()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		roles[role] = append(roles[role], name)
	}
	slices.Sort(roles[roleReplica])
	if len(roles[roleIndexer]) != 1 || !slices.Equal(roles[roleReplica], []string{"replica-1", "replica-2"}) {
		t.Errorf("roles %v: want one indexer and replica-1, replica-2", roles)
	}
	if img := c.Services["postgres"].Image; img != "pgvector/pgvector:pg17" {
		t.Errorf("postgres image %q", img)
	}
	caddy, err := os.ReadFile("deploy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles[roleReplica] {
		if !strings.Contains(string(caddy), r+":8080") {
			t.Errorf("the Caddyfile does not send requests to %s", r)
		}
	}
	if _, ok := c.Services["caddy"]; !ok {
		t.Error("no caddy service")
	}
}
