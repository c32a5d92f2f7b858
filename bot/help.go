package bot

import "strings"

// Topics names what the sources answer about, for /help: a journalist
// should know what is worth asking before asking.
var topics = map[Lang][]string{
	LangEN: {
		"market size and growth", "users and viewing time", "jobs", "titles and licensing",
		"regulation (NRTA rules and reviews)", "platforms such as Hongguo, Douyin and Kuaishou",
		"overseas apps such as ReelShort and DramaBox", "production cost and time",
		"production clusters such as Hengdian", "hits",
	},
	LangZH: {
		"市场规模与增长", "用户与观看时长", "就业", "剧目数量与备案许可",
		"监管（广电总局的规定与审核）", "红果短剧、抖音、快手等平台",
		"ReelShort、DramaBox 等出海应用", "制作成本与周期",
		"横店等拍摄基地", "爆款作品",
	},
}

// HelpText is /help for a platform, in the asker's language: what the bot
// does, the topics it can answer about, follow-ups, and the commands as
// that platform offers them.
func HelpText(platform string, lang Lang) string {
	var b strings.Builder
	if lang == LangZH {
		b.WriteString("我根据固定的一组资料（市场笔记和报道）回答关于中国短剧（微短剧）市场的问题。每个答案都引用出处，每个数字都与所引段落核对过；资料回答不了的问题，我会直说。\n\n")
		b.WriteString("可以问：" + strings.Join(topics[LangZH], "、") + "。\n\n")
		b.WriteString("回复我的答案即可追问，例如：“那2023年呢？”、“用户呢？”、“谁说的？”\n\n命令：\n")
		switch platform {
		case PlatformDiscord:
			b.WriteString("/ask 问题 – 提问；也可以 @我 或私信我。答案下的“出处”按钮显示所引段落，👍 / 👎 告诉我们是否有帮助\n")
		case PlatformTelegram:
			b.WriteString("/ask 问题 – 提问（私聊时直接输入即可；群里请回复我或 @我）\n")
		default:
			b.WriteString("/ask 问题 – 提问\n")
		}
		b.WriteString("/figures 指标 – 各来源的数据及图表（如：/figures 市场规模）；不带指标：关键数据\n/sources – 资料来源（按发布方）\n/subscribe 主题 – 资料更新时把该主题的新内容发到这里；/unsubscribe 主题，/subscriptions\n/about – 资料规模、截至日期和版本\n/help – 本说明")
		return b.String()
	}
	b.WriteString("I answer questions about the Chinese micro-drama (短剧) market from a fixed set of sources: market notes and articles. Every answer quotes its sources, and every figure is checked against the passage it cites. When the sources do not answer a question, I say so instead of guessing.\n\n")
	b.WriteString("Ask about: " + strings.Join(topics[LangEN], "; ") + ".\n\n")
	b.WriteString("Follow up by replying to an answer: “what about 2023?”, “and the users?”, “who said that?”\n\nCommands:\n")
	switch platform {
	case PlatformDiscord:
		b.WriteString("/ask QUESTION – ask; you can also mention me or send me a direct message. Under each answer, 📚 Sources shows the quoted passages, and 👍 / 👎 tell us whether it helped\n")
	case PlatformTelegram:
		b.WriteString("/ask QUESTION – ask (in a private chat just type it; in a group reply to me or mention me)\n")
	default:
		b.WriteString("/ask QUESTION – ask\n")
	}
	b.WriteString("/figures METRIC – who said what, when, with a chart (e.g. /figures market size); no metric: key figures\n/sources – who the sources are, by publisher\n/subscribe TOPIC – post new passages on a topic here when the sources are updated; /unsubscribe TOPIC, /subscriptions\n/about – corpus size, as-of date and version\n/help – this message\n\n我也可以用中文回答。")
	return b.String()
}
