package bot

import "dramabot/knowledge"

// GeneratedNote says that a language model wrote an answer's text, for the
// surfaces to show with it; it is empty for extractive answers. The figures
// and citations are checked either way: the note tells readers that the
// wording is the model's, not a quote.
func GeneratedNote(a knowledge.Answer) string {
	if a.Generated == "" {
		return ""
	}
	return "Written by " + a.Generated + " from the cited passages; every figure checked against them."
}
