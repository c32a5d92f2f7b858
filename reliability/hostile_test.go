//go:build reliability

package reliability

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"dramabot/bot/discord/discordtest"
	"dramabot/bot/telegram/telegramtest"
	"dramabot/knowledge/ingest"
)

// TestHostileDocuments loads the hostile documents in-process (the loader
// itself) and through "dramabot index": nothing crashes, every file is
// either loaded or reported with its path and a reason, and passages stay
// bounded.
func TestHostileDocuments(t *testing.T) {
	r := record(t, "hostile", "documents through the loader and dramabot index")
	dir := filepath.Join(t.TempDir(), "hostile")
	docs := writeHostileDocs(t, dir)

	start := time.Now()
	loaded, problems, err := ingest.Load([]string{dir})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]string{} // file -> "loaded" or the problem
	maxRunes := 0
	for _, d := range loaded {
		name := filepath.Base(strings.SplitN(strings.TrimPrefix(d.Source.Origin, "jsonl:"), ":", 2)[0])
		byFile[name] = "loaded"
		for _, p := range d.Passages {
			maxRunes = max(maxRunes, utf8.RuneCountInString(p.Text))
			if !utf8.ValidString(p.Text) || strings.ContainsRune(p.Text, 0) {
				t.Errorf("%s: passage %s has invalid UTF-8 or NUL", name, p.ID)
			}
		}
	}
	for _, p := range problems {
		name := filepath.Base(strings.SplitN(p.Path, ":", 2)[0])
		if p.Err == nil || p.Err.Error() == "" {
			t.Errorf("%s: a problem without a reason", p.Path)
		}
		if _, ok := byFile[name]; !ok {
			byFile[name] = p.Err.Error()
		}
	}
	nLoaded, nReported := 0, 0
	for _, d := range docs {
		got, ok := byFile[d.name]
		switch {
		case !ok && d.name == "empty.jsonl":
			nReported++ // an empty passages file holds nothing to report
		case !ok:
			t.Errorf("%s: neither loaded nor reported", d.name)
		case d.loaded && got != "loaded":
			t.Errorf("%s: not loaded: %s", d.name, got)
		case !d.loaded && got == "loaded":
			t.Errorf("%s: loaded, want it reported as a problem", d.name)
		case got == "loaded":
			nLoaded++
		default:
			nReported++
		}
	}
	if maxRunes > 8000 {
		t.Errorf("a passage of %d characters", maxRunes)
	}
	if took > 30*time.Second {
		t.Errorf("loading took %s", took)
	}

	// The same through the binary: it indexes what loads and names each
	// skipped file with its reason.
	res := runCLI(t, map[string]string{"DRAMABOT_DATA": t.TempDir(), "DRAMABOT_DOCS": dir}, 5*time.Minute, "index")
	if res.code != 0 {
		t.Fatalf("index: exit %d: %s", res.code, tail(res.stderr))
	}
	skipped := strings.Count(res.stdout, "\nskipped ")
	if skipped != len(problems) {
		t.Errorf("index printed %d skipped lines, the loader has %d problems:\n%s", skipped, len(problems), res.stdout)
	}
	r.set(len(docs), 0, "%d files (empty, blank, NUL, control characters, RTL, invalid UTF-8, HTML and Markdown injection, prompt injection, 1 MB single lines, binary .md, YAML bomb, 100k title, evil URLs, 10k nested tags, bad JSONL lines, a symlink to /dev/zero): %d loaded, %d reported with path and reason (%d problems, JSONL lines included), none dropped silently; loaded in %s, longest passage %d characters; dramabot index exit 0 and %d \"skipped\" lines",
		len(docs), nLoaded, nReported, len(problems), took.Round(time.Millisecond), maxRunes, skipped)
}

// hostileServer runs one dramabot with HTTP, Telegram and Discord over the
// default corpus and the hostile documents.
type hostileServer struct {
	srv *server
	tg  *tgHarness
	dc  *discordtest.Server
}

func startHostile(t *testing.T) *hostileServer {
	dir := filepath.Join(t.TempDir(), "hostile")
	writeHostileDocs(t, dir)
	tg := newTelegram(t)
	dc := discordtest.New(t, discordtest.Options{})
	srv := startServe(t, serveOptions{env: map[string]string{
		"DRAMABOT_RATE_LIMIT": "-1", "DRAMABOT_DATA": t.TempDir(), "DRAMABOT_DOCS": dir,
		"TELEGRAM_TOKEN": tg.fake.Token, "TELEGRAM_API_URL": tg.URL,
		"DISCORD_TOKEN": discordtest.Token, "DISCORD_API_URL": dc.URL,
	}})
	dc.AwaitSession(t, 1)
	return &hostileServer{srv: srv, tg: tg, dc: dc}
}

// TestHostileQuestions sends every hostile question (and questions that
// quote the hostile documents) through every surface of one running
// dramabot: HTTP, Telegram (private chat, group command, mention, inline)
// and Discord (slash command, direct message, mention), then through the
// command line. Each must get a clear reply: no crash, no ping, no
// unescaped markup, nothing silently dropped.
func TestHostileQuestions(t *testing.T) {
	h := startHostile(t)
	questions := append(hostileQuestions(), docProbes...)
	t.Run("http", func(t *testing.T) { hostileHTTP(t, h, questions) })
	t.Run("telegram", func(t *testing.T) { hostileTelegram(t, h, questions) })
	t.Run("discord", func(t *testing.T) { hostileDiscord(t, h, questions) })
	h.srv.stop()
	t.Run("cli", func(t *testing.T) { hostileCLI(t, questions) })
}

// rawJSONString quotes s for JSON by hand, keeping invalid UTF-8 bytes raw
// so that they reach the server's decoder.
func rawJSONString(s string) []byte {
	var b []byte
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func hostileHTTP(t *testing.T, h *hostileServer, questions []hostile) {
	r := record(t, "hostile", "questions through HTTP POST /v1/ask")
	client := &http.Client{Timeout: 30 * time.Second}
	answered, refused, lost, longest := 0, 0, 0, 0
	for _, q := range questions {
		body := append(append([]byte(`{"question":`), rawJSONString(q.text)...), '}')
		code, m, err := h.srv.postRaw(client, body)
		switch {
		case err != nil:
			t.Errorf("%s: %v", q.name, err)
			lost++
		case code == http.StatusOK:
			answered++
			if err := checkAnswerJSON(m); err != nil {
				t.Errorf("%s: %v", q.name, err)
			}
			text, _ := m["answer"].(string)
			longest = max(longest, utf8.RuneCountInString(text))
			if q.source != "" && !quotesSource(m, q.source) {
				t.Errorf("%s: neither cited nor listed the document %s: %v", q.name, q.source, text)
			}
		case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge:
			refused++
			if msg, _ := m["error"].(string); len(msg) < 20 {
				t.Errorf("%s: %d without a clear message: %v", q.name, code, m)
			}
		default:
			t.Errorf("%s: status %d: %v", q.name, code, m)
			lost++
		}
	}
	r.set(len(questions), lost, "%d answered (every figure verbatim in its cited passage; longest answer %d characters), %d refused with 400/413 and a message saying why, %d errors", answered, longest, refused, lost)
}

// maxAnswerRunes bounds an answer: at most two sentences, each from a
// passage of at most 1,000 characters, with their markers.
const maxAnswerRunes = 2*1000 + 20

// checkAnswerJSON checks an answer's promises: text of bounded length,
// citations numbered 1..n, every figure verbatim in the passage it cites.
func checkAnswerJSON(m map[string]any) error {
	text, _ := m["answer"].(string)
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("empty answer: %v", m)
	}
	if n := utf8.RuneCountInString(text); n > maxAnswerRunes {
		return fmt.Errorf("an answer of %d characters: %.200q…", n, text)
	}
	quotes := map[int]string{}
	for i, c := range asSlice(m["citations"]) {
		cm, _ := c.(map[string]any)
		n, _ := cm["n"].(float64)
		if int(n) != i+1 {
			return fmt.Errorf("citation %d numbered %v", i+1, cm["n"])
		}
		quotes[int(n)], _ = cm["quote"].(string)
	}
	for _, f := range asSlice(m["figures"]) {
		fm, _ := f.(map[string]any)
		n, _ := fm["citation"].(float64)
		ft, _ := fm["text"].(string)
		q, ok := quotes[int(n)]
		if !ok || !strings.Contains(q, ft) {
			return fmt.Errorf("figure %q cites [%v], whose passage does not contain it", ft, fm["citation"])
		}
	}
	return nil
}

// quotesSource reports whether an answer cites or lists a passage of the
// source whose id starts with prefix.
func quotesSource(m map[string]any, prefix string) bool {
	for _, key := range []string{"citations", "related"} {
		for _, c := range asSlice(m[key]) {
			cm, _ := c.(map[string]any)
			if id, _ := cm["source_id"].(string); strings.HasPrefix(id, prefix) {
				return true
			}
		}
	}
	return false
}

var (
	tgTagRE      = regexp.MustCompile(`<(/?)([A-Za-z0-9-]+)([^>]*)>`)
	tgAllowed    = map[string]bool{"b": true, "i": true, "a": true, "blockquote": true}
	tgHrefRE     = regexp.MustCompile(`^\s+href="https?://[^"<>]*"$`)
	tgExpandable = " expandable"
)

// checkTelegramHTML checks that a reply uses only the markup dramabot
// renders, so that anything from a question or a document was escaped.
func checkTelegramHTML(text string) error {
	if _, err := telegramtest.ParseHTML(text); err != nil {
		return fmt.Errorf("Telegram would refuse it: %w", err)
	}
	for _, m := range tgTagRE.FindAllStringSubmatch(text, -1) {
		name, attrs := strings.ToLower(m[2]), m[3]
		if !tgAllowed[name] {
			return fmt.Errorf("unexpected tag <%s%s>", m[1], m[2])
		}
		if m[1] == "" && attrs != "" && !(name == "a" && tgHrefRE.MatchString(attrs)) && !(name == "blockquote" && attrs == tgExpandable) {
			return fmt.Errorf("unexpected attributes in <%s%s>", name, attrs)
		}
	}
	return nil
}

func hostileTelegram(t *testing.T, h *hostileServer, questions []hostile) {
	r := record(t, "hostile", "questions through Telegram (private, group /ask@, mention, inline)")
	tg := h.tg
	bot := "@" + tg.fake.Bot.Username
	tried, lost, notApplicable := 0, 0, 0
	for i, q := range questions {
		u := telegramtest.User{ID: 4_000_000 + int64(i), FirstName: "Hostile", Username: fmt.Sprintf("h%d", i)}
		group := telegramtest.Chat{ID: -4_000_000 - int64(i), Type: "supergroup", Title: "Desk " + strconv.Itoa(i)}
		group2 := telegramtest.Chat{ID: -5_000_000 - int64(i), Type: "supergroup", Title: "Desk " + strconv.Itoa(i)}
		type target struct {
			what string
			chat int64
		}
		var sent []target
		// Telegram delivers no message with empty text: that case exists
		// only as an empty command or inline query.
		if q.text != "" {
			tg.fake.Push(telegramtest.Private(u, q.text))
			sent = append(sent, target{"private", u.ID})
		} else {
			notApplicable++
		}
		tg.fake.Push(telegramtest.InChat(group, u, "/ask"+bot+" "+q.text))
		tg.fake.Push(telegramtest.InChat(group2, u, bot+" "+q.text))
		sent = append(sent, target{"group /ask" + bot, group.ID}, target{"group mention", group2.ID})
		for _, s := range sent {
			tried++
			if _, ok := tg.waitReply(s.chat, 1, 20*time.Second); !ok {
				t.Errorf("%s (%s): no reply", q.name, s.what)
				lost++
			}
		}
		iq := tg.fake.PushInlineQuery(u, q.text)
		tried++
		if !waitInline(tg, iq, 20*time.Second) {
			t.Errorf("%s (inline): no answer to the inline query", q.name)
			lost++
		}
	}
	time.Sleep(500 * time.Millisecond) // late extra messages would show now
	checked := 0
	for _, m := range tg.fake.Sent(0) {
		checked++
		if m.ParseMode != "HTML" {
			t.Errorf("a reply sent without HTML parse mode (a fallback?): %.200q", m.Text)
		}
		if err := checkTelegramHTML(m.Text); err != nil {
			t.Errorf("reply to chat %d: %v: %.300q", m.ChatID, err, m.Text)
		}
		if strings.TrimSpace(m.Plain) == "" {
			t.Errorf("an empty reply to chat %d", m.ChatID)
		}
	}
	for _, a := range tg.fake.InlineAnswers() {
		for _, res := range a.Results {
			checked++
			if err := checkTelegramHTML(res.Text); err != nil {
				t.Errorf("inline result %s: %v: %.300q", res.ID, err, res.Text)
			}
		}
	}
	if bad := tg.badRequests(); len(bad) > 0 {
		t.Errorf("%d calls refused by the fake Bot API: %v", len(bad), bad)
	}
	r.set(tried, lost, "%d questions × private chat, group /ask@bot, group mention and inline query (%d n/a: Telegram sends no empty message): %d replies lost; %d messages and inline cards checked: all valid Telegram HTML with only dramabot's own tags (b, a href=http(s), blockquote), no refused call",
		len(questions), notApplicable, lost, checked)
}

func waitInline(tg *tgHarness, id string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, a := range tg.fake.InlineAnswers() {
			if a.QueryID == id {
				return len(a.Results) > 0
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func hostileDiscord(t *testing.T, h *hostileServer, questions []hostile) {
	r := record(t, "hostile", "questions through Discord (/ask, direct message, mention)")
	dc := h.dc
	tried, lost := 0, 0
	for i, q := range questions {
		guild := discordtest.From{UserID: fmt.Sprint(510000000000000000 + i), Username: "h", GuildID: "600000000000000009", ChannelID: fmt.Sprint(710000000000000000 + i)}
		dm := discordtest.From{UserID: fmt.Sprint(520000000000000000 + i), Username: "d", ChannelID: fmt.Sprint(720000000000000000 + i)}
		mention := guild
		mention.ChannelID = fmt.Sprint(730000000000000000 + i)

		it := dc.SendCommand(t, guild, "ask", map[string]string{"question": q.text})
		dc.SendMessage(t, dm, q.text, false)
		dc.SendMessage(t, mention, "<@"+discordtest.BotUserID+"> "+q.text, true)
		tried += 3
		if !awaitDiscord(dc, func(c discordtest.Call) bool {
			m, _ := decodeDiscord(c)
			return c.Interaction == it.ID && c.SendsMessage() && c.Status < 300 && c.Route != discordtest.RouteCallback && !m.empty()
		}) {
			t.Errorf("%s (/ask): no answer", q.name)
			lost++
		}
		for _, ch := range []string{dm.ChannelID, mention.ChannelID} {
			if !awaitDiscord(dc, func(c discordtest.Call) bool {
				return c.Route == discordtest.RouteMessage && c.ChannelID == ch && c.Status == http.StatusOK
			}) {
				t.Errorf("%s (message in %s): no reply", q.name, ch)
				lost++
			}
		}
	}
	time.Sleep(500 * time.Millisecond)
	calls := dc.Calls()
	checked := checkDiscordSends(t, calls)
	for _, c := range calls {
		if c.SendsMessage() && c.Status >= 400 {
			t.Errorf("%s refused with %d: %.300s", c.Route, c.Status, c.Body)
		}
		m, ok := decodeDiscord(c)
		if !ok {
			continue
		}
		for _, e := range m.Embeds {
			texts := map[string]string{"title": e.Title, "description": e.Description}
			for _, f := range e.Fields {
				texts["field "+f.Name] = f.Value
			}
			for what, s := range texts {
				// dramabot's own markup is allowed: links around titles,
				// and quoted passages in fields.
				check := discordtest.UnescapedMarkdown
				if strings.HasPrefix(what, "field ") {
					check = discordtest.UnescapedMarkdownQuoted
				}
				if r := check(s); r != 0 {
					t.Errorf("embed %s has an unescaped %q: %.300q", what, r, s)
				}
			}
		}
	}
	r.set(tried, lost, "%d questions × /ask, direct message and guild mention: %d replies lost; %d messages checked: allowed_mentions.parse = [] on every one, within Discord's limits, no unescaped Markdown in embed titles, descriptions and fields (dramabot's own links and quotes aside)",
		len(questions), lost, checked)
}

func awaitDiscord(dc *discordtest.Server, match func(discordtest.Call) bool) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range dc.Calls() {
			if match(c) {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func hostileCLI(t *testing.T, questions []hostile) {
	r := record(t, "hostile", "questions through dramabot ask (command line)")
	data := t.TempDir()
	if res := runCLI(t, map[string]string{"DRAMABOT_DATA": data}, time.Minute, "index"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	tried, answered, refused, notApplicable, lost := 0, 0, 0, 0, 0
	for _, q := range questions {
		// An argument cannot hold NUL, and the kernel limits one to 128 KiB.
		if strings.ContainsRune(q.text, 0) || len(q.text) > 120_000 {
			notApplicable++
			continue
		}
		tried++
		res := runCLI(t, map[string]string{"DRAMABOT_DATA": data}, time.Minute, "ask", "--json", "--", q.text)
		stderr := strings.TrimSpace(res.stderr)
		switch res.code {
		case 0:
			var m map[string]any
			if err := json.Unmarshal([]byte(res.stdout), &m); err != nil {
				t.Errorf("%s: output is not JSON: %v", q.name, err)
				lost++
				continue
			}
			if err := checkAnswerJSON(m); err != nil {
				t.Errorf("%s: %v", q.name, err)
			}
			answered++
		case 1, 2:
			refused++
			if strings.Contains(stderr, "\n") || !(strings.HasPrefix(stderr, "dramabot: ") || strings.HasPrefix(stderr, "Usage: dramabot ask")) {
				t.Errorf("%s: exit %d without one clear line: %q", q.name, res.code, stderr)
			}
		default:
			t.Errorf("%s: exit %d: %s", q.name, res.code, tail(stderr))
			lost++
		}
	}
	r.set(tried, lost, "%d answered (as JSON, figures verified), %d refused with one clear line and exit 1 or 2, %d not applicable (NUL or over 128 KiB cannot be an argument)",
		answered, refused, notApplicable)
}
