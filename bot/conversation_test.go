package bot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"dramabot/knowledge"
	"dramabot/knowledge/knowledgetest"
)

func TestResolveFollowUp(t *testing.T) {
	prevTurn := func(q string) *turn {
		return &turn{resolved: q, answer: knowledgetest.Sample(q)}
	}
	tests := []struct {
		name, prev, q string
		kind          followKind
		want          string // the merged question, for followMerged
	}{
		{"a new year replaces the old", "How big was China's micro-drama market in 2023?", "what about 2024?", followMerged, "How big was China's micro-drama market in 2024?"},
		{"a year where there was none", "How many jobs has the mini series boom created?", "and in 2023?", followMerged, "How many jobs has the mini series boom created in 2023?"},
		{"Chinese year", "2023年中国微短剧市场规模多大？", "那2024年呢？", followMerged, "2024年中国微短剧市场规模多大？"},
		{"Chinese year on an English question", "How big was the micro-drama market in 2023?", "那2024年呢？", followMerged, "How big was the micro-drama market in 2024?"},
		{"a new metric replaces the old", "How many jobs has the mini series boom created?", "and the users?", followMerged, "How many users has the mini series boom created?"},
		{"a metric the question lacked", "How big was China's micro-drama market in 2023?", "and the users?", followMerged, "How many users for China micro-drama in 2023?"},
		{"a Chinese metric", "2023年中国微短剧市场规模多大？", "那用户呢？", followMerged, "2023年中国微短剧用户多大？"},
		{"a new entity replaces the old", "How many users does Hongguo have?", "what about Kuaishou?", followMerged, "How many users does Kuaishou have?"},
		{"who said that", "How big was the market in 2023?", "who said that?", followWhoSaid, ""},
		{"who said that, in Chinese", "2023年市场规模多大？", "谁说的？", followWhoSaid, ""},
		{"a full question stands alone", "How big was the market in 2023?", "How many micro-dramas got a distribution licence in China in 2024?", followNone, ""},
		{"a full question starting with and", "How big was the market in 2023?", "And how many jobs did the micro-drama boom create in Hengdian in 2024?", followNone, ""},
		{"a follow-up to nothing", "", "what about 2024?", followUnresolved, ""},
		{"a metric follow-up to nothing", "", "and the users?", followUnresolved, ""},
		{"what about, with its own subject", "", "What about the platypus series?", followNone, ""},
		{"who said that, to nothing", "", "who said that?", followUnresolved, ""},
		{"a question with no previous turn", "", "How many jobs?", followNone, ""},
		{"a short question of its own", "How big was the market in 2023?", "How many jobs?", followNone, ""},
		{"a fragment", "How big was the market in 2023?", "2024?", followMerged, "How big was the market in 2024?"},
		{"an entity fragment", "How many users does Hongguo have?", "Kuaishou?", followMerged, "How many users does Kuaishou have?"},
		{"a marker with nothing to change", "How big was the market in 2023?", "and?", followUnresolved, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev *turn
			if tt.prev != "" {
				prev = prevTurn(tt.prev)
			}
			got := resolveFollowUp(prev, tt.q)
			if got.kind != tt.kind || got.question != tt.want {
				t.Errorf("resolveFollowUp(%q, %q) = %v %q, want %v %q", tt.prev, tt.q, got.kind, got.question, tt.kind, tt.want)
			}
		})
	}
}

// recorder is an engine that records questions and answers each with a
// sample answer whose citation names the question, so that tests can tell
// which answer a "who said that?" came from.
func recorder() *knowledgetest.Fake {
	return &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		a := knowledgetest.Sample(q)
		a.Citations[0].Publisher = "Publisher of " + q
		return a, nil
	}}
}

func TestConversations(t *testing.T) {
	ctx := context.Background()
	fake := recorder()
	c := New(Config{Knowledge: fake, RateLimit: -1})
	ask := func(req Request) Reply {
		t.Helper()
		return c.Ask(ctx, req)
	}
	group := func(user, text, replyTo string) Request {
		return Request{Platform: PlatformTelegram, UserID: user, ChatID: "-100", Text: text, ReplyTo: replyTo, Group: true}
	}

	// A reply to an answer continues it; the surface linked its message.
	first := ask(group("1", "How big was China's micro-drama market in 2023?", ""))
	c.Link(PlatformTelegram, "-100", "m1", first.RequestID)
	r := ask(group("2", "what about 2024?", "m1"))
	if r.Kind != KindAnswer || r.Understood != "How big was China's micro-drama market in 2024?" {
		t.Fatalf("follow-up: kind %v, understood %q", r.Kind, r.Understood)
	}
	c.Link(PlatformTelegram, "-100", "m2", r.RequestID)
	// The chain goes on from the merged question.
	r2 := ask(group("1", "and the users?", "m2"))
	if r2.Understood != "How many users for China micro-drama in 2024?" {
		t.Errorf("second follow-up understood as %q", r2.Understood)
	}
	c.Link(PlatformTelegram, "-100", "m3", r2.RequestID)
	// "who said that?" is answered from the answer it replies to, without
	// asking the engine.
	asked := len(fake.Questions())
	who := ask(group("3", "who said that?", "m3"))
	if who.Kind != KindAnswer || len(who.Answer.Citations) != 1 || who.Answer.Citations[0].Publisher != "Publisher of How many users for China micro-drama in 2024?" || len(fake.Questions()) != asked {
		t.Errorf("who said that: %+v (engine asked %d more)", who.Answer, len(fake.Questions())-asked)
	}
	// A reply to the first answer still continues the first.
	r3 := ask(group("2", "what about 2022?", "m1"))
	if r3.Understood != "How big was China's micro-drama market in 2022?" {
		t.Errorf("reply to the first answer understood as %q", r3.Understood)
	}

	// Never across chats: the same message id in another chat is unknown.
	other := Request{Platform: PlatformTelegram, UserID: "2", ChatID: "-200", Text: "what about 2024?", ReplyTo: "m1", Group: true}
	if r := ask(other); r.Kind != KindInfo || r.Message != T(LangEN).FollowUpUnknown {
		t.Errorf("follow-up in another chat: %v %q, want the request for the full question", r.Kind, r.Message)
	}
	// Nor across platforms.
	other = group("2", "what about 2024?", "m1")
	other.Platform = PlatformDiscord
	if r := ask(other); r.Kind != KindInfo {
		t.Errorf("follow-up on another platform: %v", r.Kind)
	}

	// In a group a follow-up needs a reply; in a private chat the asker's
	// last answer is enough.
	if r := ask(group("1", "what about 2024?", "")); r.Kind != KindInfo {
		t.Errorf("group follow-up without a reply: %v %q", r.Kind, r.Understood)
	}
	private := func(text string) Request {
		return Request{Platform: PlatformDiscord, UserID: "7", ChatID: "dm7", Text: text}
	}
	ask(private("2023年中国微短剧市场规模多大？"))
	zh := ask(private("那2024年呢？"))
	if zh.Understood != "2024年中国微短剧市场规模多大？" || zh.Lang != LangZH {
		t.Errorf("private follow-up: %q in %s", zh.Understood, zh.Lang)
	}
	// The language follows each question.
	if en := ask(private("and the users?")); en.Lang != LangEN || en.Understood != "2024年中国微短剧用户规模多大？" && en.Understood != "2024年中国微短剧用户多大？" {
		t.Errorf("English follow-up on a Chinese question: %q in %s", en.Understood, en.Lang)
	}

	// HTTP: the conversation id continues.
	h := ask(Request{Platform: PlatformHTTP, UserID: "ip", ChatID: "ip", Text: "How many jobs has the mini series boom created?"})
	if h.Conversation == "" {
		t.Fatal("no conversation id")
	}
	h2 := ask(Request{Platform: PlatformHTTP, UserID: "ip", ChatID: "ip", Text: "and in 2023?", Conversation: h.Conversation})
	if h2.Understood != "How many jobs has the mini series boom created in 2023?" || h2.Conversation != h.Conversation {
		t.Errorf("HTTP follow-up: %q in %q", h2.Understood, h2.Conversation)
	}
	// Another client cannot continue it.
	if r := ask(Request{Platform: PlatformHTTP, UserID: "other", ChatID: "other", Text: "and in 2023?", Conversation: h.Conversation}); r.Kind != KindInfo {
		t.Errorf("another client continued the conversation: %v %q", r.Kind, r.Understood)
	}
}

func TestConversationsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New(Config{Knowledge: recorder(), RateLimit: -1, ConversationTTL: time.Hour})
		req := Request{Platform: PlatformTelegram, UserID: "1", ChatID: "5", Text: "How big was the market in 2023?"}
		first := c.Ask(t.Context(), req)
		c.Link(PlatformTelegram, "5", "m", first.RequestID)
		time.Sleep(59 * time.Minute)
		req.Text, req.ReplyTo = "what about 2024?", "m"
		if r := c.Ask(t.Context(), req); r.Understood == "" {
			t.Fatal("not continued within the time limit")
		}
		time.Sleep(61 * time.Minute)
		if r := c.Ask(t.Context(), req); r.Kind != KindInfo {
			t.Errorf("continued after the time limit: %v %q", r.Kind, r.Understood)
		}
	})
}

func TestTurnsAreBounded(t *testing.T) {
	s := newTurns(3, time.Hour)
	var last *turn
	for i := range 5 {
		tr := &turn{id: string(rune('a' + i)), chat: "x:1", user: "u", at: time.Now(), parent: last}
		s.add(tr, "")
		last = tr
	}
	if len(s.byID) != 3 || s.order.Len() != 3 {
		t.Errorf("%d turns kept, want 3", len(s.byID))
	}
	for k, id := range s.anchors {
		if _, ok := s.byID[id]; !ok {
			t.Errorf("anchor %q points to a forgotten turn", k)
		}
	}
	depth := 0
	for p := last; p != nil; p = p.parent {
		depth++
	}
	if depth > maxChain {
		t.Errorf("chain of %d turns kept, want at most %d", depth, maxChain)
	}
}

func TestLanguageOfTheFrame(t *testing.T) {
	ctx := context.Background()
	c := New(Config{Knowledge: &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		return knowledgetest.Abstain(q), nil
	}}, RateLimit: 1})
	zh := c.Ask(ctx, Request{Platform: PlatformCLI, UserID: "a", Text: "谁会赢得下一次选举？"})
	if zh.Lang != LangZH || zh.Answer.Text != T(LangZH).AbstainedNearest {
		t.Errorf("Chinese abstention: %s %q", zh.Lang, zh.Answer.Text)
	}
	trad := c.Ask(ctx, Request{Platform: PlatformCLI, UserID: "b", Text: "誰會贏得下一次選舉？"})
	if trad.Lang != LangZH {
		t.Errorf("Traditional question got the %s frame", trad.Lang)
	}
	limited := c.Ask(ctx, Request{Platform: PlatformCLI, UserID: "a", Text: "短剧市场多大？"})
	if limited.Kind != KindRateLimited || !strings.Contains(limited.Message, "秒") {
		t.Errorf("Chinese rate-limit notice: %q", limited.Message)
	}
	en := c.Ask(ctx, Request{Platform: PlatformCLI, UserID: "c", Text: "Who will win?"})
	if en.Lang != LangEN || en.Answer.Text != T(LangEN).AbstainedNearest {
		t.Errorf("English abstention: %s %q", en.Lang, en.Answer.Text)
	}
	// No nearest passages: the abstention does not promise any.
	bare := New(Config{Knowledge: &knowledgetest.Fake{AnswerFunc: func(_ context.Context, q string) (knowledge.Answer, error) {
		a := knowledgetest.Abstain(q)
		a.Related = nil
		return a, nil
	}}, RateLimit: -1})
	if r := bare.Ask(ctx, Request{Platform: PlatformCLI, Text: "What is the weather?"}); strings.Contains(r.Answer.Text, "below") {
		t.Errorf("abstention without passages: %q", r.Answer.Text)
	}
	// Thanks is not a question for the sources.
	if r := bare.Ask(ctx, Request{Platform: PlatformCLI, Text: "thanks!"}); r.Kind != KindInfo || r.Message != T(LangEN).YouAreWelcome {
		t.Errorf("thanks: %v %q", r.Kind, r.Message)
	}
	if r := bare.Ask(ctx, Request{Platform: PlatformCLI, Text: "谢谢"}); r.Message != T(LangZH).YouAreWelcome {
		t.Errorf("谢谢: %q", r.Message)
	}
	// Help in both languages, per platform.
	if h := c.Command(ctx, Request{Platform: PlatformDiscord, Locale: "zh-CN"}, "help", ""); !strings.Contains(h.Message, "私信") || h.Lang != LangZH {
		t.Errorf("Chinese Discord help: %q", h.Message)
	}
	if h := c.Command(ctx, Request{Platform: PlatformDiscord}, "help", ""); strings.Contains(h.Message, "private chats you can just type") || !strings.Contains(h.Message, "Hengdian") {
		t.Errorf("Discord help: %q", h.Message)
	}
}

func TestTextsAreComplete(t *testing.T) {
	for _, l := range []Lang{LangEN, LangZH} {
		tx := *T(l)
		for name, v := range map[string]string{
			"Figures": tx.Figures, "Sources": tx.Sources, "Nearest": tx.Nearest, "MoreSources": tx.MoreSources,
			"Abstained": tx.Abstained, "UnderstoodAs": tx.UnderstoodAs, "Thanks": tx.Thanks, "WhyDown": tx.WhyDown,
			"FollowUpUnknown": tx.FollowUpUnknown, "RateLimited": tx.RateLimited, "Subscribed": tx.Subscribed,
			"Apology": tx.Apology, "Empty": tx.Empty, "Colon": tx.Colon, "SourcesFor": tx.SourcesFor,
		} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, name)
			}
		}
		for _, r := range Reasons {
			if tx.Reasons[r] == "" {
				t.Errorf("%s: no label for reason %s", l, r)
			}
		}
	}
}

func TestSmallDefects(t *testing.T) {
	if got := RateLimitMessage(time.Second); got != "You are asking too fast. Please try again in 1 second." {
		t.Errorf("RateLimitMessage(1s) = %q", got)
	}
	if got := AboutText(knowledge.About{Sources: 1, Passages: 1, Version: "v"}); !strings.Contains(got, "from 1 source (1 passage)") {
		t.Errorf("AboutText = %q", got)
	}
	figs := make([]knowledge.Figure, 20)
	for i := range figs {
		figs[i] = knowledge.Figure{Label: "f", Citation: 1}
	}
	if got := FiguresLine(figs); strings.Count(got, "[1]") != MaxFigures || !strings.HasSuffix(got, "+12 more") {
		t.Errorf("FiguresLine of 20 = %q", got)
	}
}

func TestBylinesAreNeverCited(t *testing.T) {
	title := "185-Fold Boom in 4 Years! How Mini Series Created a Hundred-Billion-Yuan Market"
	a := knowledgetest.Sample("q")
	byline := a.Citations[0]
	byline.N, byline.Paragraph, byline.Quote = 2, 0, title+" From: CRI Online · Editor: Wen Yanqing · Published: 2025-08-05"
	a.Citations = append(a.Citations, byline)
	a.Sentences = append(a.Sentences, knowledge.Sentence{Text: title, Citation: 2})
	a.Figures = append(a.Figures, knowledge.Figure{Label: "4 Years", Citation: 2})
	a.Text += " " + title + " [2]"
	got := ChatAnswer(a, LangEN)
	if len(got.Citations) != 1 || len(got.Figures) != 2 || strings.Contains(got.Text, "[2]") || strings.Count(got.Text, "185-Fold Boom") != 0 {
		t.Errorf("byline kept: %q, %d citations, %d figures", got.Text, len(got.Citations), len(got.Figures))
	}
	only := knowledgetest.Sample("q")
	only.Citations[0].Quote = byline.Quote
	if got := ChatAnswer(only, LangEN); !got.Abstained || len(got.Citations) != 0 || got.Text != T(LangEN).AbstainedNearest {
		t.Errorf("an answer from a byline alone: %+v, want an abstention", got)
	}
}

func TestSourcesGroupedByPublisher(t *testing.T) {
	note := &knowledge.NoteInfo{Producer: "iiMedia Research"}
	srcs := []knowledge.SourceStat{
		{Source: knowledge.Source{ID: "a", Title: "A", Publisher: "China Daily", Date: "2023-12-29", Note: note}, Passages: 1},
		{Source: knowledge.Source{ID: "b", Title: "B", Publisher: "China Daily", Date: "2025-10-12", Note: note}, Passages: 1},
		{Source: knowledge.Source{ID: "c", Title: "185-Fold Boom", Publisher: "CRI Online", Date: "2025-08-05", URL: "https://example.org"}, Passages: 8},
	}
	got := SourcesText(srcs)
	golden(t, filepath.Join("testdata", "sources.txt"), got)
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update after checking):\n%s", path, got)
	}
}
