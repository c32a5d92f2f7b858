package discord

import (
	"context"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"dramabot/bot"
)

// commands are the slash commands, registered with one bulk overwrite so
// that removed commands disappear too.
func commands() []*discordgo.ApplicationCommand {
	minLen := 1
	return localized([]*discordgo.ApplicationCommand{
		{
			Name:        "ask",
			Description: "Ask a question about the Chinese mini-series (短剧) market",
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "question",
				Description: "Your question, e.g. How many jobs has the mini series boom created?",
				Required:    true, MinLength: &minLen, MaxLength: bot.DefaultMaxQuestionRunes,
			}},
		},
		{Name: "sources", Description: "Who the sources are, by publisher"},
		{
			Name:        "figures",
			Description: "A metric's figures across sources, with a chart (no metric: key figures)",
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "topic",
				Description: "A topic, e.g. jobs or market size", MaxLength: bot.DefaultMaxQuestionRunes,
			}},
		},
		{Name: "about", Description: "Corpus size, as-of date and version"},
		{
			Name:        "subscribe",
			Description: "Post new passages on a topic in this channel when the sources are updated",
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "topic",
				Description: "A topic, e.g. Hongguo, ReelShort or market size", Required: true, MinLength: &minLen, MaxLength: 80,
			}},
		},
		{
			Name:        "unsubscribe",
			Description: "Stop the alerts on a topic in this channel",
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "topic",
				Description: "The topic to stop", Required: true, MinLength: &minLen, MaxLength: 80,
			}},
		},
		{Name: "subscriptions", Description: "This channel's subscriptions"},
		{
			Name:        "add",
			Description: "Add a web source: a page, a feed, a sitemap, a PDF or DOCX link (administrators)",
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "url",
				Description: "The source's address, e.g. https://example.com/feed.xml", Required: true, MinLength: &minLen, MaxLength: 2000,
			}},
		},
		{Name: "help", Description: "How to ask dramabot"},
	})
}

// descriptionsZH are the commands' descriptions for Discord clients in
// Chinese, by command name.
var descriptionsZH = map[string]string{
	"ask": "提问：关于中国短剧市场的问题", "sources": "资料来源，按发布方", "figures": "各来源的数据及图表（不带指标：关键数据）",
	"about": "资料规模、截至日期和版本", "subscribe": "资料更新时把某个主题的新内容发到本频道",
	"unsubscribe": "取消本频道对一个主题的订阅", "subscriptions": "本频道的订阅", "help": "怎么向 dramabot 提问",
	"add": "添加网络资料来源：网页、订阅源、站点地图、PDF 或 DOCX 链接（仅限管理员）",
}

// localized adds the Chinese descriptions (Simplified for both zh-CN and
// zh-TW: the frame is Simplified).
func localized(cmds []*discordgo.ApplicationCommand) []*discordgo.ApplicationCommand {
	for _, c := range cmds {
		if d, ok := descriptionsZH[c.Name]; ok {
			m := map[discordgo.Locale]string{discordgo.ChineseCN: d, discordgo.ChineseTW: d}
			c.DescriptionLocalizations = &m
		}
	}
	return cmds
}

// registerCommands overwrites the slash commands, for one guild when
// GuildID is set (changes show at once) or globally. With several shards
// only shard 0 does it. A failure is logged: mentions and DMs still work.
func (b *Bot) registerCommands(ctx context.Context) {
	if b.cfg.ShardID != 0 {
		return
	}
	appID := b.applicationID()
	if appID == "" {
		b.log.Error("discord slash commands not registered: READY carried no application id")
		return
	}
	endpoint := discordgo.EndpointApplicationGlobalCommands(appID)
	if b.cfg.GuildID != "" {
		endpoint = discordgo.EndpointApplicationGuildCommands(appID, b.cfg.GuildID)
	}
	var created []*discordgo.ApplicationCommand
	if err := b.call(ctx, "command registration", http.MethodPut, endpoint, endpoint, commands(), &created); err != nil {
		b.log.Error("discord slash commands not registered", "guild_id", b.cfg.GuildID, "err", err)
		return
	}
	b.log.Info("discord slash commands registered", "count", len(created), "guild_id", b.cfg.GuildID)
}
