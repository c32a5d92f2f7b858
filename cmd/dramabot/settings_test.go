package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// loadSettings binds every setting as `dramabot config` does and parses
// args.
func loadSettings(env map[string]string, args ...string) (*config, error) {
	var cfg config
	cl := newCLI("config", onAll, "", envOf(env), io.Discard, &cfg)
	return &cfg, cl.parse(args)
}

// TestSettingsPrecedence: for every kind of setting the flag beats the
// environment, which beats the default.
func TestSettingsPrecedence(t *testing.T) {
	join := func(xs []string) string { return strings.Join(xs, ",") }
	tests := []struct {
		kind                   string
		env                    string
		envValue               string
		flags                  []string
		get                    func(*config) string
		def, fromEnv, fromFlag string
	}{
		{"string", "DRAMABOT_ADDR", "127.0.0.1:1", []string{"--addr", "127.0.0.1:2"},
			func(c *config) string { return c.Addr }, "127.0.0.1:8080", "127.0.0.1:1", "127.0.0.1:2"},
		{"bool", "DRAMABOT_NO_DEFAULT_CORPUS", "yes", []string{"--no-default-corpus=false"},
			func(c *config) string { return fmt.Sprint(c.NoDefault) }, "false", "true", "false"},
		{"bool defaulting to true", "DISCORD_MESSAGE_CONTENT", "Off", []string{"--discord-message-content"},
			func(c *config) string { return fmt.Sprint(c.DiscordMessageContent) }, "true", "false", "true"},
		{"int", "DRAMABOT_RATE_LIMIT", "20", []string{"--rate-limit", "-1"},
			func(c *config) string { return fmt.Sprint(c.RateLimit) }, "10", "20", "-1"},
		{"duration", "DRAMABOT_LLM_TIMEOUT", "45s", []string{"--llm-timeout", "1m"},
			func(c *config) string { return c.LLM.Timeout.String() }, "20s", "45s", "1m0s"},
		{"list", "DRAMABOT_ADMINS", "telegram:1, discord:2", []string{"--admin", "telegram:3", "--admin", "discord:4,discord:5"},
			func(c *config) string { return join(c.Admins) }, "", "telegram:1,discord:2", "telegram:3,discord:4,discord:5"},
		{"path list", "DRAMABOT_DOCS", "a" + string(os.PathListSeparator) + "b", []string{"--docs", "c,d", "--docs", "e"},
			func(c *config) string { return join(c.Docs) }, "", "a,b", "c,d,e"},
		{"CIDR list", "DRAMABOT_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1", []string{"--trusted-proxies", "192.168.1.7/16"},
			func(c *config) string { return fmt.Sprint(c.TrustedProxies) }, "[]", "[10.0.0.0/8 127.0.0.1/32 ::1/128]", "[192.168.0.0/16]"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			for _, c := range []struct {
				name  string
				env   map[string]string
				flags []string
				want  string
			}{
				{"default", nil, nil, tt.def},
				{"environment", map[string]string{tt.env: tt.envValue}, nil, tt.fromEnv},
				{"flag", map[string]string{tt.env: tt.envValue}, tt.flags, tt.fromFlag},
				{"flag without environment", nil, tt.flags, tt.fromFlag},
			} {
				cfg, err := loadSettings(c.env, c.flags...)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if got := tt.get(cfg); got != c.want {
					t.Errorf("%s: %q, want %q", c.name, got, c.want)
				}
			}
		})
	}
}

func TestBooleanSpellings(t *testing.T) {
	for _, v := range []string{"true", "TRUE", "1", "yes", "Yes", "on", "ON", " true "} {
		if cfg, err := loadSettings(map[string]string{"DISCORD_MESSAGE_CONTENT": "false", "DRAMABOT_NO_DEFAULT_CORPUS": v}); err != nil || !cfg.NoDefault {
			t.Errorf("%q: %v %v, want true", v, cfg.NoDefault, err)
		}
	}
	for _, v := range []string{"false", "False", "0", "no", "NO", "off", "Off"} {
		if cfg, err := loadSettings(map[string]string{"DISCORD_MESSAGE_CONTENT": v}); err != nil || cfg.DiscordMessageContent {
			t.Errorf("%q: %v %v, want false", v, cfg.DiscordMessageContent, err)
		}
	}
	out, _, code := runProg(t, map[string]string{"DISCORD_MESSAGE_CONTENT": "yes"}, "config")
	if code != 0 || !strings.Contains(out, "discord-message-content  true\n") {
		t.Errorf("DISCORD_MESSAGE_CONTENT=yes: exit %d\n%s", code, out)
	}
}

// TestBadValues: a value that does not parse stops the command before it
// does anything, with exit status 2 and one line that names the variable,
// the value and what was expected; a flag that replaces it is enough.
func TestBadValues(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"DRAMABOT_RATE_LIMIT": "ten"}, []string{"config"}, `DRAMABOT_RATE_LIMIT="ten": want a whole number of questions per minute`},
		{map[string]string{"DRAMABOT_NO_DEFAULT_CORPUS": "maybe"}, []string{"index"}, `DRAMABOT_NO_DEFAULT_CORPUS="maybe": want true or false`},
		{map[string]string{"DISCORD_MESSAGE_CONTENT": "si"}, []string{"serve"}, `DISCORD_MESSAGE_CONTENT="si": want true or false`},
		// Reported whether or not --llm is on.
		{map[string]string{"DRAMABOT_LLM_TIMEOUT": "soon"}, []string{"ask", "q"}, `DRAMABOT_LLM_TIMEOUT="soon": want a duration`},
		{map[string]string{"DRAMABOT_EMBED_DIM": "big"}, []string{"sources"}, `DRAMABOT_EMBED_DIM="big": want a whole number`},
		{map[string]string{"DRAMABOT_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"serve"}, `DRAMABOT_TRUSTED_PROXIES="10.0.0.0/33": want CIDR prefixes`},
		{map[string]string{"DISCORD_SHARD_COUNT": "two"}, []string{"config"}, `DISCORD_SHARD_COUNT="two": want a whole number`},
		{nil, []string{"config", "--rate-limit", "ten"}, `invalid value "ten" for flag -rate-limit: want a whole number of questions per minute`},
		{nil, []string{"serve", "--trusted-proxies", "proxy.example"}, `invalid value "proxy.example" for flag -trusted-proxies: want CIDR prefixes`},
		{nil, []string{"healthcheck", "--telegram-api-url", "x"}, `flag provided but not defined: -telegram-api-url`},
	}
	for _, tt := range tests {
		env := map[string]string{"DRAMABOT_DATA": "-"}
		for k, v := range tt.env {
			env[k] = v
		}
		out, errOut, code := runProg(t, env, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 || out != "" {
			t.Errorf("%v %q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tt.env, tt.args, code, out, errOut, tt.want)
		}
	}
	// The flag replaces the bad value, so nothing is wrong.
	out, errOut, code := runProg(t, map[string]string{"DRAMABOT_RATE_LIMIT": "ten"}, "config", "--rate-limit", "3")
	if code != 0 || !strings.Contains(out, "rate-limit               3\n") {
		t.Errorf("flag over a bad variable: exit %d %s %s", code, out, errOut)
	}
}

func TestDeprecatedNegativeFlag(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want bool
	}{
		{nil, []string{"--discord-no-message-content"}, false},
		{nil, []string{"--discord-no-message-content=false"}, true},
		{map[string]string{"DISCORD_MESSAGE_CONTENT": "false"}, []string{"--discord-no-message-content=false"}, true},
		// The new flag wins over the old one.
		{nil, []string{"--discord-no-message-content", "--discord-message-content"}, true},
	}
	for _, tt := range tests {
		cfg, err := loadSettings(tt.env, tt.args...)
		if err != nil || cfg.DiscordMessageContent != tt.want || len(cfg.notes) != 1 || !strings.Contains(cfg.notes[0], "deprecated") {
			t.Errorf("%v %q: %v, notes %q, err %v; want %v and a deprecation note", tt.env, tt.args, cfg.DiscordMessageContent, cfg.notes, err, tt.want)
		}
	}
}

// TestSettingsTable checks the rows themselves: every default parses,
// names and variables are unique, secrets have no flag.
func TestSettingsTable(t *testing.T) {
	names, envs := map[string]bool{}, map[string]bool{}
	for _, s := range settings {
		var cfg config
		v := s.bind(&cfg)
		if err := v.load(s.def); err != nil && s.dynamic == nil {
			t.Errorf("%s: default %q: %v", s.key(), s.def, err)
		}
		if s.secret != (s.name == "") {
			t.Errorf("%s: a secret has no flag, and every other setting has one", s.key())
		}
		if names[s.name] || envs[s.env] || s.env == "" || s.help == "" || s.on == 0 {
			t.Errorf("%s: duplicate, or without a variable, help or command", s.key())
		}
		if len(s.key()) >= 24 {
			t.Errorf("%s: too long for the columns of dramabot config", s.key())
		}
		names[s.name], envs[s.env] = s.name != "", true
	}
}

// TestREADMEConfiguration: the README's configuration table lists exactly
// the settings, with their variables and defaults.
func TestREADMEConfiguration(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal("README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	type row struct{ flag, def string }
	readme := map[string]row{}
	for line := range strings.Lines(section) {
		cols := strings.Split(line, "|")
		if len(cols) < 5 || strings.HasPrefix(line, "|---") || strings.Contains(cols[1], "flag") {
			continue
		}
		clean := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "`", "")) }
		env := clean(cols[2])
		if _, dup := readme[env]; dup {
			t.Errorf("README lists %s twice", env)
		}
		readme[env] = row{strings.TrimPrefix(clean(cols[1]), "--"), clean(cols[3])}
	}
	for _, s := range settings {
		r, ok := readme[s.env]
		switch {
		case !ok:
			t.Errorf("README's configuration table lacks %s", s.env)
		case r.flag != s.name || r.def != s.def:
			t.Errorf("README: %s is --%s with default %q; the table says --%s, default %q", s.env, r.flag, r.def, s.name, s.def)
		}
		delete(readme, s.env)
	}
	for env := range readme {
		t.Errorf("README lists %s, which is no setting", env)
	}
}

// TestHelp: each command's --help shows its own settings and no others,
// and the usage lists every command.
func TestHelp(t *testing.T) {
	cmds := map[string]commands{"ask": onAsk, "index": onIndex, "sources": onSources, "figures": onFigures, "eval": onEval, "serve": onServe, "healthcheck": onHealthcheck, "config": onAll}
	for name, on := range cmds {
		_, errOut, code := runProg(t, nil, name, "--help")
		if code != 0 {
			t.Errorf("%s --help: exit %d", name, code)
		}
		for _, s := range settings {
			key := "--" + s.name
			if s.secret {
				key = s.env
			}
			shown := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(key) + `( |$)`).MatchString(errOut)
			if want := s.on&on != 0; shown != want {
				t.Errorf("%s --help shows %s: %v, want %v", name, key, shown, want)
			}
		}
	}
	out, _, _ := runProg(t, nil, "--help")
	for name := range cmds {
		if !strings.Contains(out, "dramabot "+name+" ") {
			t.Errorf("usage lacks %s:\n%s", name, out)
		}
	}
}

// TestServeJSONLogs: with DRAMABOT_LOG_FORMAT=json every line serve
// writes, on stdout and stderr, is a JSON object.
func TestServeJSONLogs(t *testing.T) {
	env := testEnv(t)
	env["DRAMABOT_LOG_FORMAT"], env["DRAMABOT_LOG_LEVEL"], env["DRAMABOT_ADDR"] = "json", "debug", "127.0.0.1:0"
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--discord-no-message-content"}, envOf(env), pw, stderr)
		pw.Close()
	}()
	rd := bufio.NewReader(pr)
	first, err := rd.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve printed nothing: %v\n%s", err, stderr)
	}
	var serving struct{ Msg, URL string }
	if err := json.Unmarshal([]byte(first), &serving); err != nil || serving.URL == "" {
		cancel()
		t.Fatalf("first line on stdout %q: %v", first, err)
	}
	rest := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(rd)
		rest <- string(b)
	}()
	if a, code, err := askHTTP(serving.URL, "How many jobs has the mini series boom created?"); err != nil || code != 200 || a.Text == "" {
		t.Errorf("ask: %d %v", code, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	lines := first + <-rest + stderr.String()
	n := 0
	for line := range strings.Lines(lines) {
		n++
		if !json.Valid([]byte(line)) {
			t.Errorf("not JSON: %q", line)
		}
	}
	if n < 4 || !strings.Contains(lines, `"route":"ask"`) || !strings.Contains(lines, "deprecated") {
		t.Errorf("%d lines, want the access log and the deprecation note among them:\n%s", n, lines)
	}
	resp, err := http.Get(serving.URL + "/healthz")
	if err == nil {
		resp.Body.Close()
		t.Error("still serving after the end of its context")
	}
}
