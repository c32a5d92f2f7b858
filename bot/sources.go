package bot

import (
	"context"
	"fmt"
	"strings"
)

// SourceAdder adds a web source or an uploaded document to the index and
// says what it added. cmd/dramabot's web refresher implements it: it
// fetches or reads the document, keeps it in the data dir so that it
// outlives a restart, and reindexes (which tells the subscriptions).
type SourceAdder interface {
	AddURL(ctx context.Context, url string) (Added, error)
	AddFile(ctx context.Context, name string, data []byte) (Added, error)
}

// Added is what adding a source brought into the index.
type Added struct {
	// Source is the URL or the file name as given.
	Source    string          `json:"source"`
	Documents []AddedDocument `json:"documents"`
	// Problems are one line each (a page of a feed that failed); the
	// documents that could be read are added anyway.
	Problems []string `json:"problems,omitempty"`
}

// AddedDocument is one document of an added source.
type AddedDocument struct {
	Title     string `json:"title"`
	Publisher string `json:"publisher,omitempty"`
	Date      string `json:"date,omitempty"`
	URL       string `json:"url,omitempty"`
	Passages  int    `json:"passages"`
}

// MaxAddedListed bounds the documents a reply to /add lists by name.
const MaxAddedListed = 10

// Text is the reply to an administrator: what was added, one line a
// document, then any problems.
func (a Added) Text() string {
	var b strings.Builder
	n := 0
	for _, d := range a.Documents {
		n += d.Passages
	}
	fmt.Fprintf(&b, "Added %s: %s, %s.", a.Source, plural(len(a.Documents), "document"), plural(n, "passage"))
	for i, d := range a.Documents {
		if i == MaxAddedListed {
			fmt.Fprintf(&b, "\n… and %d more", len(a.Documents)-i)
			break
		}
		line := "\n• " + d.Title
		var by []string
		for _, s := range []string{d.Publisher, d.Date} {
			if s != "" {
				by = append(by, s)
			}
		}
		if len(by) > 0 {
			line += " — " + strings.Join(by, ", ")
		}
		line += " (" + plural(d.Passages, "passage") + ")"
		b.WriteString(line)
	}
	for _, p := range a.Problems {
		b.WriteString("\nProblem: " + p)
	}
	return b.String()
}

// AddSource adds a web source for an administrator; anyone else gets a
// polite refusal. admin is set by a surface that has checked the
// administrator itself (the HTTP API's admin key).
func (c *Core) AddSource(ctx context.Context, req Request, url string, admin bool) Reply {
	return c.add(ctx, req, admin, strings.TrimSpace(url), func(a SourceAdder) (Added, error) { return a.AddURL(ctx, strings.TrimSpace(url)) })
}

// AddFile adds an uploaded PDF or DOCX document for an administrator;
// surfaces call it for a file sent in a private chat.
func (c *Core) AddFile(ctx context.Context, req Request, name string, data []byte, admin bool) Reply {
	return c.add(ctx, req, admin, name, func(a SourceAdder) (Added, error) { return a.AddFile(ctx, name, data) })
}

func (c *Core) add(ctx context.Context, req Request, admin bool, what string, do func(SourceAdder) (Added, error)) Reply {
	id := NewRequestID()
	if !admin && !c.IsAdmin(req.Platform, req.UserID) {
		c.log.Warn("adding a source refused", "request_id", id, "platform", req.Platform, "user_id", req.UserID)
		return Reply{Kind: KindRefused, RequestID: id, Message: "Sorry, only the bot's administrators can add sources. You can still ask me anything about the sources I have."}
	}
	if c.sources == nil {
		return Reply{Kind: KindInfo, RequestID: id, Message: "Adding sources is not available in this mode."}
	}
	if what == "" {
		return Reply{Kind: KindInvalid, RequestID: id, Message: "Usage: /add URL (a page, an RSS or Atom feed, a sitemap, a PDF or DOCX link), or send me a PDF or DOCX file in a private chat."}
	}
	added, err := do(c.sources)
	c.forgetNotes()
	if err != nil {
		c.log.Info("source not added", "request_id", id, "platform", req.Platform, "source", what, "err", err)
		return Reply{Kind: KindError, RequestID: id, Message: "Could not add " + what + ": " + strings.Join(strings.Fields(err.Error()), " "), Added: &added}
	}
	c.log.Info("source added", "request_id", id, "platform", req.Platform, "user_id", req.UserID, "source", what, "documents", len(added.Documents))
	return Reply{Kind: KindInfo, RequestID: id, Message: added.Text(), Added: &added}
}
