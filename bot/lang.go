package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"dramabot/knowledge/text"
)

// Lang is the language of the frame around an answer: headers, notices,
// buttons and help. Quotes stay in the language the source wrote them in.
type Lang string

// Languages of the frame. Questions in Traditional Chinese get the
// Simplified frame.
const (
	LangEN Lang = "en"
	LangZH Lang = "zh"
)

// DetectLang returns the frame language for a text: Chinese when Chinese
// characters dominate, English otherwise.
func DetectLang(s string) Lang {
	if text.IsCJKText(s) {
		return LangZH
	}
	return LangEN
}

// hasWords reports whether s holds letters or CJK characters, that is,
// whether its language can be told at all ("2024?" cannot).
func hasWords(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// LangFromLocale maps a client locale ("zh-CN", "zh-TW", "en-US") to a
// frame language, for commands that carry no text to detect it from.
func LangFromLocale(locale string) Lang {
	if strings.HasPrefix(strings.ToLower(locale), "zh") {
		return LangZH
	}
	return LangEN
}

// Texts is the frame of replies in one language. Surfaces take their
// headers and button labels from it, so both languages stay complete: a
// test checks that no field is empty.
type Texts struct {
	Figures, Sources, KeyFigures, SourcesFor  string
	Related, Nearest, MoreSources, MoreNearby string
	Helpful, NotHelpful                       string
	Abstained, AbstainedNearest               string
	UnderstoodAs, WhoSaid                     string
	NoteOn, Citing, Forecast, Paragraph       string
	SourcesAsOf, MoreFigures                  string
	Thanks, VoteChanged, WhyDown, ReasonSaved string
	Expired, UnknownButton                    string
	Reasons                                   map[string]string
	Empty, NotText, Apology, Refused, NoTopic string
	TooLong, RateLimited, FollowUpUnknown     string
	Welcome, YouAreWelcome                    string
	Documents, Notes, Passages, NoSources     string
	Subscribed, Unsubscribed, NotSubscribed   string
	NoSubscriptions, SubscriptionsHeader      string
	SubscribeUsage, SubscriptionLimit         string
	AlreadySubscribed, AlertHeader, Digest    string
	LimitSet                                  string
	// Colon follows a header: ": " or "：".
	Colon string
}

// Feedback reasons for a 👎, as stored in the feedback log.
const (
	ReasonWrongFigure = "wrong_figure"
	ReasonOutdated    = "outdated"
	ReasonNoAnswer    = "did_not_answer"
	ReasonOther       = "other"
)

// Reasons lists the 👎 reasons in the order buttons show them.
var Reasons = []string{ReasonWrongFigure, ReasonOutdated, ReasonNoAnswer, ReasonOther}

var textsEN = Texts{
	Figures: "Figures", Sources: "Sources", KeyFigures: "Key figures", SourcesFor: "Sources for:", Colon: ": ",
	Related: "Related", Nearest: "Nearest passages", MoreSources: "More sources", MoreNearby: "Nearest passages are behind “More sources”.",
	Helpful: "Helpful", NotHelpful: "Not helpful",
	Abstained:        "The sources do not cover this question.",
	AbstainedNearest: "The sources do not cover this question. The nearest passages are listed below.",
	UnderstoodAs:     "Understood as",
	WhoSaid:          "The answer above comes from:",
	NoteOn:           "note on", Citing: "citing", Forecast: "forecast", Paragraph: "paragraph",
	SourcesAsOf: "Sources as of", MoreFigures: "more",
	Thanks: "Thanks for the feedback!", VoteChanged: "Vote changed. Thanks!",
	WhyDown: "Thanks. What was wrong?", ReasonSaved: "Thanks, noted.",
	Expired:       "I no longer have that answer: please ask the question again.",
	UnknownButton: "This button no longer works: please ask again.",
	Reasons: map[string]string{
		ReasonWrongFigure: "Wrong figure", ReasonOutdated: "Outdated",
		ReasonNoAnswer: "Did not answer", ReasonOther: "Other",
	},
	Empty:           MsgEmpty,
	NotText:         MsgNotText,
	Apology:         MsgApology,
	Refused:         MsgRefused,
	NoTopic:         MsgNoTopic,
	TooLong:         "Your question is too long: please keep it under %d characters.",
	RateLimited:     "You are asking too fast. Please try again in %s.",
	FollowUpUnknown: "I could not tell which earlier question this follows up on. Please ask the full question, for example: How big was the micro-drama market in 2024?",
	Welcome:         StartText,
	YouAreWelcome:   "You're welcome! Ask me anything else about the Chinese micro-drama market.",
	Documents:       "documents", Notes: "notes", Passages: "passages",
	NoSources:           "No sources are loaded yet.",
	Subscribed:          "Subscribed to “%s”: I will post new passages on it here after the sources are updated.",
	Unsubscribed:        "Unsubscribed from “%s”.",
	NotSubscribed:       "This chat is not subscribed to “%s”.",
	NoSubscriptions:     "This chat has no subscriptions. Try: /subscribe Hongguo",
	SubscriptionsHeader: "Subscriptions of this chat:",
	SubscribeUsage:      "Name a topic, for example: /subscribe ReelShort or /subscribe market size",
	SubscriptionLimit:   "This chat already has %d subscriptions, its limit. Unsubscribe from one first.",
	AlreadySubscribed:   "This chat is already subscribed to “%s”.",
	AlertHeader:         "New in the sources on “%s”",
	Digest:              "%d more new passages on “%s”:",
	LimitSet:            "This chat may now have at most %d subscriptions.",
}

var textsZH = Texts{
	Figures: "数据", Sources: "出处", KeyFigures: "关键数据", SourcesFor: "出处：", Colon: "：",
	Related: "相关段落", Nearest: "最接近的段落", MoreSources: "更多出处", MoreNearby: "最接近的段落见“更多出处”。",
	Helpful: "有帮助", NotHelpful: "没帮助",
	Abstained:        "现有资料无法回答这个问题。",
	AbstainedNearest: "现有资料无法回答这个问题。下面列出最接近的段落。",
	UnderstoodAs:     "理解为",
	WhoSaid:          "上面的回答出自：",
	NoteOn:           "笔记，原载", Citing: "引自", Forecast: "预测", Paragraph: "第%d段",
	SourcesAsOf: "资料截至", MoreFigures: "项",
	Thanks: "谢谢反馈！", VoteChanged: "已更改评价，谢谢！",
	WhyDown: "谢谢。哪里有问题？", ReasonSaved: "谢谢，已记录。",
	Expired:       "这个回答已经过期，请重新提问。",
	UnknownButton: "这个按钮已失效，请重新提问。",
	Reasons: map[string]string{
		ReasonWrongFigure: "数字有误", ReasonOutdated: "已过时",
		ReasonNoAnswer: "没有回答问题", ReasonOther: "其他",
	},
	Empty:           "请提一个关于中国短剧市场的问题，例如：短剧行业创造了多少就业岗位？",
	NotText:         "我只能读文字问题，请把问题打出来。",
	Apology:         "抱歉，我这边回答时出了问题，请稍后再试。",
	Refused:         "抱歉，只有机器人的管理员可以这样做。",
	NoTopic:         "资料中没有这个主题的数据。",
	TooLong:         "问题太长了：请控制在 %d 个字符以内。",
	RateLimited:     "提问太快了，请 %s后再试。",
	FollowUpUnknown: "我不确定这是接着哪个问题问的。请把问题问完整，例如：2024年微短剧市场规模多大？",
	Welcome:         "你好！关于中国短剧市场的问题都可以问我，我会根据资料回答并注明出处。试试：短剧行业创造了多少就业岗位？\n\n输入 /help 查看命令。",
	YouAreWelcome:   "不客气！关于中国短剧市场还有什么想问的，随时问我。",
	Documents:       "份文件", Notes: "条笔记", Passages: "个段落",
	NoSources:           "还没有加载任何资料。",
	Subscribed:          "已订阅“%s”：资料更新后，我会把相关的新段落发到这里。",
	Unsubscribed:        "已取消订阅“%s”。",
	NotSubscribed:       "本聊天没有订阅“%s”。",
	NoSubscriptions:     "本聊天还没有订阅。试试：/subscribe 红果短剧",
	SubscriptionsHeader: "本聊天的订阅：",
	SubscribeUsage:      "请给出一个主题，例如：/subscribe ReelShort 或 /subscribe 市场规模",
	SubscriptionLimit:   "本聊天已有 %d 个订阅，达到上限。请先取消一个。",
	AlreadySubscribed:   "本聊天已经订阅了“%s”。",
	AlertHeader:         "资料中有关“%s”的新内容",
	Digest:              "另有 %d 条关于“%s”的新段落：",
	LimitSet:            "本聊天现在最多可有 %d 个订阅。",
}

// T returns the frame texts of a language (English for any other value).
func T(l Lang) *Texts {
	if l == LangZH {
		return &textsZH
	}
	return &textsEN
}

// RateLimitText tells the user, in their language, when to ask again.
func RateLimitText(l Lang, wait time.Duration) string {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	if l == LangZH {
		return fmt.Sprintf(T(l).RateLimited, fmt.Sprintf("%d 秒", secs))
	}
	return fmt.Sprintf(T(l).RateLimited, plural(secs, "second"))
}

// plural renders "1 second", "2 seconds".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ParagraphText renders "paragraph 3" / "第3段".
func (t *Texts) ParagraphText(n int) string {
	if strings.Contains(t.Paragraph, "%d") {
		return fmt.Sprintf(t.Paragraph, n)
	}
	return fmt.Sprintf("%s %d", t.Paragraph, n)
}
