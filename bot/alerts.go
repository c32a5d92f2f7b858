package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"dramabot/knowledge"
	"dramabot/knowledge/glossary"
	"dramabot/knowledge/text"
)

// Alerts: a chat subscribes to a topic (/subscribe Hongguo); when a
// reindex adds a passage on that topic, the bot posts it there. Topics are
// matched through the glossary, so "Hongguo" also finds 红果短剧 and
// "market size" finds 市场规模. Subscriptions are stored in the data dir and
// survive restarts; a chat gets at most AlertsPerHour posts an hour, and
// what comes beyond waits for one digest.

// SubscriptionsFile is the subscriptions' file in the data dir.
const SubscriptionsFile = "subscriptions.json"

// Defaults for alerts.
const (
	DefaultMaxSubscriptions = 10
	DefaultAlertsPerHour    = 3
	maxTopicRunes           = 80
	alertWindow             = time.Hour
	alertTimeout            = 30 * time.Second
	// pendingAfterRestart is when alerts that waited across a restart go.
	pendingAfterRestart = time.Minute
)

// ReindexListener is told, after each reindex, which passages it added.
// *Core implements it: the program calls it with the reindex's additions.
type ReindexListener interface {
	PassagesAdded(ctx context.Context, added []knowledge.Hit)
}

// Notifier posts an alert to a chat of its platform. The Telegram and
// Discord surfaces implement it and register with Core.SetNotifier.
type Notifier interface {
	Notify(ctx context.Context, chatID string, a Alert) error
}

// Alert is new material on a subscribed topic for one chat: one passage,
// or a digest of several.
type Alert struct {
	Lang   Lang
	Topic  string
	Digest bool
	Items  []AlertItem
}

// AlertItem is one added passage as an alert shows it.
type AlertItem struct {
	Title, Publisher, Date, URL string
	Note                        *knowledge.NoteInfo
	// Figure is the first figure of the passage ("37.39 billion yuan"),
	// empty if it has none.
	Figure string
	Text   string // the passage, shortened
}

type subscription struct {
	Platform string    `json:"platform"`
	Chat     string    `json:"chat"`
	Topic    string    `json:"topic"`
	Lang     Lang      `json:"lang"`
	Since    time.Time `json:"since"`
}

type subscriptionsFile struct {
	Subscriptions []subscription `json:"subscriptions"`
	// Limits are per-chat limits set by administrators ("telegram:123").
	Limits map[string]int `json:"limits,omitempty"`
	// Pending are alerts waiting for a chat's next hour, by chat, so that
	// a restart does not lose them.
	Pending map[string][]pendingItem `json:"pending,omitempty"`
}

type alerts struct {
	core       *Core
	path       string // "" keeps subscriptions in memory
	defaultMax int
	perHour    int

	mu        sync.Mutex
	subs      []subscription
	limits    map[string]int
	notifiers map[string]Notifier
	sent      map[string][]time.Time   // chat key -> recent post times
	pending   map[string][]pendingItem // chat key -> waiting for a digest
	timers    map[string]*time.Timer
}

type pendingItem struct {
	Sub  subscription `json:"sub"`
	Item AlertItem    `json:"item"`
}

func newAlerts(c *Core, dir string, maxSubs, perHour int) *alerts {
	if maxSubs <= 0 {
		maxSubs = DefaultMaxSubscriptions
	}
	if perHour <= 0 {
		perHour = DefaultAlertsPerHour
	}
	a := &alerts{
		core: c, defaultMax: maxSubs, perHour: perHour,
		limits: map[string]int{}, notifiers: map[string]Notifier{},
		sent: map[string][]time.Time{}, pending: map[string][]pendingItem{}, timers: map[string]*time.Timer{},
	}
	if dir != "" {
		a.path = filepath.Join(dir, SubscriptionsFile)
		if err := a.load(); err != nil {
			c.log.Error("subscriptions not loaded: starting without them", "err", err)
		}
	}
	return a
}

func (a *alerts) load() error {
	b, err := os.ReadFile(a.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("subscriptions: %w", err)
	}
	var f subscriptionsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("subscriptions: %s: %w", a.path, err)
	}
	a.subs = f.Subscriptions
	if f.Limits != nil {
		a.limits = f.Limits
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for chat, items := range f.Pending {
		// Sent before a restart: post them soon, once the surfaces have
		// registered their notifiers.
		a.pending[chat] = items
		a.scheduleLocked(chat, pendingAfterRestart)
	}
	return nil
}

// saveLocked writes the subscriptions to a temp file and renames it over
// the old one, so that a crash leaves the old file or the new, whole.
func (a *alerts) saveLocked() error {
	if a.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(subscriptionsFile{Subscriptions: a.subs, Limits: a.limits, Pending: a.pending}, "", "  ")
	if err != nil {
		return fmt.Errorf("subscriptions: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o755); err != nil {
		return fmt.Errorf("subscriptions: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(a.path), SubscriptionsFile+".tmp*")
	if err != nil {
		return fmt.Errorf("subscriptions: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), a.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("subscriptions: %w", err)
	}
	return nil
}

// SetNotifier registers the surface that posts alerts to chats of a
// platform.
func (c *Core) SetNotifier(platform string, n Notifier) {
	c.alerts.mu.Lock()
	defer c.alerts.mu.Unlock()
	c.alerts.notifiers[platform] = n
}

var limitArgRE = regexp.MustCompile(`^\s*(\d{1,4})\s*$`)

func (a *alerts) command(req Request, name, arg string, lang Lang) Reply {
	id := NewRequestID()
	reply := func(kind Kind, msg string) Reply {
		return Reply{Kind: kind, RequestID: id, Lang: lang, Message: msg}
	}
	if (req.Platform != PlatformTelegram && req.Platform != PlatformDiscord) || req.ChatID == "" || req.ChatID == "inline" {
		if lang == LangZH {
			return reply(KindInvalid, "订阅只能在 Telegram 和 Discord 的聊天中使用。")
		}
		return reply(KindInvalid, "Subscriptions work in Telegram and Discord chats.")
	}
	chat := chatKey(req)
	topic := sanitize(arg)
	if utf8.RuneCountInString(topic) > maxTopicRunes {
		topic = string([]rune(topic)[:maxTopicRunes])
	}
	t := T(lang)
	a.mu.Lock()
	defer a.mu.Unlock()
	mine := func() []subscription {
		var out []subscription
		for _, s := range a.subs {
			if s.Platform+":"+s.Chat == chat {
				out = append(out, s)
			}
		}
		return out
	}
	find := func() int {
		return slices.IndexFunc(a.subs, func(s subscription) bool {
			return s.Platform+":"+s.Chat == chat && strings.EqualFold(s.Topic, topic)
		})
	}
	switch name {
	case "subscriptions":
		subs := mine()
		if len(subs) == 0 {
			return reply(KindInfo, t.NoSubscriptions)
		}
		lines := []string{t.SubscriptionsHeader}
		for _, s := range subs {
			lines = append(lines, "• "+s.Topic)
		}
		return reply(KindInfo, strings.Join(lines, "\n"))
	case "sublimit":
		if !a.core.IsAdmin(req.Platform, req.UserID) {
			return reply(KindRefused, t.Refused)
		}
		m := limitArgRE.FindStringSubmatch(arg)
		if m == nil {
			return reply(KindInvalid, "/sublimit N")
		}
		n, _ := strconv.Atoi(m[1])
		a.limits[chat] = n
		if err := a.saveLocked(); err != nil {
			a.core.log.Error("subscription limit not saved", "err", err)
			return reply(KindError, t.Apology)
		}
		return reply(KindInfo, fmt.Sprintf(t.LimitSet, n))
	case "unsubscribe":
		if topic == "" {
			return reply(KindInvalid, t.SubscribeUsage)
		}
		i := find()
		if i < 0 {
			return reply(KindInfo, fmt.Sprintf(t.NotSubscribed, topic))
		}
		removed := a.subs[i]
		a.subs = slices.Delete(a.subs, i, i+1)
		if err := a.saveLocked(); err != nil {
			a.subs = slices.Insert(a.subs, i, removed)
			a.core.log.Error("unsubscription not saved", "err", err)
			return reply(KindError, t.Apology)
		}
		a.core.log.Info("unsubscribed", "platform", req.Platform, "chat_id", req.ChatID)
		return reply(KindInfo, fmt.Sprintf(t.Unsubscribed, removed.Topic))
	default: // subscribe
		if topic == "" || isFiller(topic) {
			return reply(KindInvalid, t.SubscribeUsage)
		}
		if find() >= 0 {
			return reply(KindInfo, fmt.Sprintf(t.AlreadySubscribed, topic))
		}
		limit := a.defaultMax
		if n, ok := a.limits[chat]; ok {
			limit = n
		}
		if len(mine()) >= limit {
			return reply(KindRefused, fmt.Sprintf(t.SubscriptionLimit, limit))
		}
		a.subs = append(a.subs, subscription{Platform: req.Platform, Chat: req.ChatID, Topic: topic, Lang: lang, Since: time.Now().UTC()})
		if err := a.saveLocked(); err != nil {
			a.subs = a.subs[:len(a.subs)-1]
			a.core.log.Error("subscription not saved", "err", err)
			return reply(KindError, t.Apology)
		}
		a.core.log.Info("subscribed", "platform", req.Platform, "chat_id", req.ChatID)
		return reply(KindInfo, fmt.Sprintf(t.Subscribed, topic))
	}
}

// topicMatcher tells whether a passage is on a topic: through the
// glossary's entries when the topic names any (every synonym, in both
// languages), else by the topic's words.
type topicMatcher struct {
	entries map[string]bool
	words   []string
}

func newTopicMatcher(topic string) topicMatcher {
	m := topicMatcher{entries: map[string]bool{}}
	for _, g := range glossary.Default().Find(topic) {
		if g.Entry.Kind != glossary.Unit {
			m.entries[g.Entry.ID] = true
		}
	}
	if len(m.entries) == 0 {
		for _, w := range wordRE.FindAllString(strings.ToLower(topic), -1) {
			if !followStop[w] {
				m.words = append(m.words, w)
			}
		}
	}
	return m
}

func (m topicMatcher) match(passage string, found []glossary.Match) bool {
	if len(m.entries) > 0 {
		for _, g := range found {
			if m.entries[g.Entry.ID] {
				return true
			}
		}
		return false
	}
	if len(m.words) == 0 {
		return false
	}
	lower := strings.ToLower(passage)
	for _, w := range m.words {
		if !containsWord(lower, w) {
			return false
		}
	}
	return true
}

// containsWord finds w in s as a whole word (Latin) or anywhere (CJK).
func containsWord(s, w string) bool {
	if strings.ContainsFunc(w, text.IsCJK) {
		return strings.Contains(s, w)
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		before := j == 0 || !isWordRune(s[j-1])
		after := end == len(s) || !isWordRune(s[end]) || s[end] == 's'
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isWordRune(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 0x80
}

// PassagesAdded posts the added passages that match a chat's
// subscriptions to that chat, within its hourly budget.
func (c *Core) PassagesAdded(ctx context.Context, added []knowledge.Hit) {
	c.forgetNotes()
	a := c.alerts
	a.mu.Lock()
	subs := slices.Clone(a.subs)
	a.mu.Unlock()
	if len(subs) == 0 || len(added) == 0 {
		return
	}
	matchers := map[string]topicMatcher{}
	byChat := map[string][]pendingItem{}
	var chats []string
	for _, h := range added {
		body := h.Source.Title + "\n" + h.Passage.Heading + "\n" + h.Passage.Text
		if h.Source.Note != nil {
			body += "\n" + h.Source.Note.Topic + "\n" + h.Source.Note.Producer
		}
		found := glossary.Default().Find(body)
		seen := map[string]bool{}
		for _, s := range subs {
			key := strings.ToLower(s.Topic)
			m, ok := matchers[key]
			if !ok {
				m = newTopicMatcher(s.Topic)
				matchers[key] = m
			}
			chat := s.Platform + ":" + s.Chat
			if seen[chat] || !m.match(body, found) {
				continue
			}
			seen[chat] = true
			if _, ok := byChat[chat]; !ok {
				chats = append(chats, chat)
			}
			byChat[chat] = append(byChat[chat], pendingItem{Sub: s, Item: alertItem(h)})
		}
	}
	for _, chat := range chats {
		a.deliver(ctx, chat, byChat[chat])
	}
}

func alertItem(h knowledge.Hit) AlertItem {
	it := AlertItem{
		Title: CiteTitle(h.Source.Title, h.Source.Note), Publisher: h.Source.Publisher, Date: h.Source.Date,
		URL: h.Source.URL, Note: h.Source.Note, Text: Excerpt(h.Passage.Text, 280),
	}
	for _, f := range text.ExtractFigures(h.Passage.Text) {
		if f.Unit != text.UnitYear && f.Unit != text.UnitDate {
			it.Figure = text.FigureLabel(h.Passage.Text, f)
			break
		}
	}
	return it
}

// deliver posts items to a chat: each on its own while the hourly budget
// lasts, the rest as one digest; with no budget left they wait for the
// next window.
func (a *alerts) deliver(ctx context.Context, chat string, items []pendingItem) {
	now := time.Now()
	a.mu.Lock()
	budget := a.budgetLocked(chat, now)
	var now1, digest []pendingItem
	switch {
	case len(items) <= budget:
		now1 = items
	case budget >= 1:
		now1, digest = items[:budget-1], items[budget-1:]
	default:
		a.pending[chat] = append(a.pending[chat], items...)
		wait := alertWindow
		if s := a.sent[chat]; len(s) > 0 {
			wait = max(alertWindow-now.Sub(s[0]), time.Second)
		}
		a.scheduleLocked(chat, wait)
		if err := a.saveLocked(); err != nil {
			a.core.log.Error("waiting alerts not saved: a restart would lose them", "err", err)
		}
		a.mu.Unlock()
		return
	}
	a.mu.Unlock()
	for _, p := range now1 {
		a.post(ctx, chat, Alert{Lang: p.Sub.Lang, Topic: p.Sub.Topic, Items: []AlertItem{p.Item}})
	}
	if len(digest) > 0 {
		a.post(ctx, chat, Alert{Lang: digest[0].Sub.Lang, Topic: digest[0].Sub.Topic, Digest: true, Items: items2(digest)})
	}
}

func items2(ps []pendingItem) []AlertItem {
	out := make([]AlertItem, len(ps))
	for i, p := range ps {
		out[i] = p.Item
	}
	return out
}

// budgetLocked is how many posts the chat may still get in this hour.
func (a *alerts) budgetLocked(chat string, now time.Time) int {
	recent := a.sent[chat][:0]
	for _, t := range a.sent[chat] {
		if now.Sub(t) < alertWindow {
			recent = append(recent, t)
		}
	}
	a.sent[chat] = recent
	if len(recent) == 0 {
		delete(a.sent, chat)
	}
	return max(a.perHour-len(recent), 0)
}

// scheduleLocked flushes the chat's pending items as one digest after
// wait: when its oldest post of the hour leaves the window.
func (a *alerts) scheduleLocked(chat string, wait time.Duration) {
	if a.timers[chat] != nil {
		return
	}
	a.timers[chat] = time.AfterFunc(wait, func() {
		a.mu.Lock()
		items := a.pending[chat]
		delete(a.pending, chat)
		delete(a.timers, chat)
		if err := a.saveLocked(); err != nil {
			a.core.log.Error("sent alerts not cleared from the file", "err", err)
		}
		a.mu.Unlock()
		if len(items) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), alertTimeout)
		defer cancel()
		a.post(ctx, chat, Alert{Lang: items[0].Sub.Lang, Topic: items[0].Sub.Topic, Digest: len(items) > 1, Items: items2(items)})
	})
}

// post sends one alert through the chat's platform and counts it.
func (a *alerts) post(ctx context.Context, chat string, al Alert) {
	platform, chatID, _ := strings.Cut(chat, ":")
	a.mu.Lock()
	n := a.notifiers[platform]
	a.sent[chat] = append(a.sent[chat], time.Now())
	a.mu.Unlock()
	if n == nil {
		a.core.log.Warn("alert not posted: no notifier for the platform", "platform", platform)
		return
	}
	if err := n.Notify(ctx, chatID, al); err != nil {
		a.core.log.Error("alert not posted", "platform", platform, "chat_id", chatID, "err", err)
		return
	}
	a.core.log.Info("alert posted", "platform", platform, "chat_id", chatID, "items", len(al.Items), "digest", al.Digest)
}

// AlertText renders an alert as plain text: a header, then each item's
// title, publisher and date, figure and link. Surfaces add their markup.
func AlertText(al Alert) (header string, items []string) {
	t := T(al.Lang)
	header = fmt.Sprintf(t.AlertHeader, al.Topic)
	if al.Digest {
		header = fmt.Sprintf(t.Digest, len(al.Items), al.Topic)
	}
	for _, it := range al.Items {
		s := quoteTitle(it.Title) + ", " + CiteMeta(al.Lang, it.Publisher, it.Date, 0, it.Note)
		if it.Figure != "" {
			s += " — " + it.Figure
		}
		if it.URL != "" {
			s += "\n" + it.URL
		}
		items = append(items, s)
	}
	return header, items
}
