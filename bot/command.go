package bot

import (
	"strings"
	"unicode"
)

// Command is a parsed chat command such as "/ask@DramaBot how many jobs".
type Command struct {
	Name string // lower case, without the slash
	Arg  string // the rest of the message, trimmed
	// Target is the bot name after "@", if any. Chat clients add it in
	// groups; a command for another bot must be ignored.
	Target string
}

// ParseCommand parses a message that starts with a slash command. It
// accepts the "/cmd@BotName args" form that Telegram clients send in groups
// (go-telegram/bot does not match it by itself).
func ParseCommand(text string) (Command, bool) {
	text = strings.TrimLeftFunc(text, unicode.IsSpace)
	if !strings.HasPrefix(text, "/") {
		return Command{}, false
	}
	head, arg, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		arg = head[i+1:] + " " + arg
		head = head[:i]
	}
	name, target, _ := strings.Cut(head, "@")
	if name == "" || !isCommandName(name) {
		return Command{}, false
	}
	return Command{Name: strings.ToLower(name), Arg: strings.TrimSpace(arg), Target: target}, true
}

// For reports whether the command is addressed to the bot with this user
// name (or to no bot in particular).
func (c Command) For(botName string) bool {
	return c.Target == "" || strings.EqualFold(c.Target, strings.TrimPrefix(botName, "@"))
}

func isCommandName(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// StripMention removes every "@botName" mention (case-insensitive) from a
// message, for questions asked by mentioning the bot.
func StripMention(text, botName string) string {
	botName = strings.TrimPrefix(botName, "@")
	if botName == "" {
		return strings.Join(strings.Fields(text), " ")
	}
	needle := "@" + botName
	var b strings.Builder
	for {
		i := indexFold(text, needle)
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		text = text[i+len(needle):]
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// indexFold is strings.Index ignoring case, with offsets into s itself:
// searching a lower-cased copy gives offsets that do not fit s, because
// lower-casing changes byte lengths ("Ⱥ" grows from 2 to 3 bytes, "İ"
// shrinks to 1).
func indexFold(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return i
		}
	}
	return -1
}
