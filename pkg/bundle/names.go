package bundle

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NamesWord reports whether JavaScript code may name word outside its
// comments: as an identifier, a property (x.cf, {cf}), or the whole or part
// of a string (x["cf"], "cf-ray"). It errs towards true, and takes well
// under a millisecond on a large bundle, so that it can run on every build:
//   - a word counts unless it is in a comment that starts its line (a
//     `//` line, or a block from a line that starts with `/*`, as esbuild
//     prints the documentation it keeps: `@example req.raw.cf`); a comment
//     after code on its line counts as code;
//   - a backslash escape of one of its letters ("\u0063f") counts too;
//   - so does a word after a `${` in such a comment, which may be a
//     template literal's substitution.
//
// What it cannot see is a name the code builds at run time
// (["c", "f"].join("")), or code after a template literal whose text is
// laid out as a comment.
func NamesWord(code []byte, word string) bool {
	if escapesLetterOf(code, word) {
		return true
	}
	for i := 0; ; {
		j := bytes.Index(code[i:], []byte(word))
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(word)
		i = at + 1
		before, _ := utf8.DecodeLastRune(code[:at])
		after, _ := utf8.DecodeRune(code[end:])
		if identRune(before) || identRune(after) {
			continue
		}
		if !inLeadingComment(code, at) {
			return true
		}
	}
}

// inLeadingComment reports whether code[at] is in a comment that starts its
// line: after `//` that begins the line, or in a block opened by `/*` that
// begins a line and not closed before at. Neither may have a `${` between
// its start and at.
func inLeadingComment(code []byte, at int) bool {
	ls := bytes.LastIndexByte(code[:at], '\n') + 1
	if startsLine(code, ls, "//") {
		// JavaScript also ends a line at CR, U+2028 and U+2029.
		rest := code[ls:at]
		return !bytes.Contains(rest, []byte("${")) && bytes.IndexByte(rest, '\r') < 0 &&
			!bytes.Contains(rest, []byte("\u2028")) && !bytes.Contains(rest, []byte("\u2029"))
	}
	o := bytes.LastIndex(code[:at], []byte("/*"))
	if o < 0 {
		return false
	}
	// The opener's star may not close it too ("/*/").
	return len(bytes.TrimLeft(code[bytes.LastIndexByte(code[:o], '\n')+1:o], " \t")) == 0 &&
		!bytes.Contains(code[o+1:at], []byte("*/")) && !bytes.Contains(code[o:at], []byte("${"))
}

// startsLine reports whether the line at ls begins with prefix after its
// indentation.
func startsLine(code []byte, ls int, prefix string) bool {
	return bytes.HasPrefix(bytes.TrimLeft(code[ls:], " \t"), []byte(prefix))
}

// ModulesName reports whether any module that runs code names word (see
// NamesWord): the main script and the ES and CommonJS modules beside it.
func ModulesName(script []byte, mods []Module, word string) bool {
	if NamesWord(script, word) {
		return true
	}
	for _, m := range mods {
		switch m.Type {
		case ModuleText, ModuleData, ModuleWasm:
			continue // data: code reaches it only through a module above
		}
		if NamesWord(m.Content, word) {
			return true
		}
	}
	return false
}

// escapesLetterOf reports whether text has a backslash escape (\xHH,
// \uHHHH, \u{H...}, octal) of a letter of word, with which a string or
// an identifier may spell the word without its letters.
func escapesLetterOf(text []byte, word string) bool {
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\\')
		if j < 0 || i+j+1 >= len(text) {
			return false
		}
		esc := text[i+j+1:]
		i += j + 2
		var digits []byte
		base := 16
		switch {
		case esc[0] == 'x' && len(esc) >= 3:
			digits = esc[1:3]
		case esc[0] == 'u' && len(esc) >= 2 && esc[1] == '{':
			if k := bytes.IndexByte(esc, '}'); k > 2 {
				digits = esc[2:k]
			}
		case esc[0] == 'u' && len(esc) >= 5:
			digits = esc[1:5]
		case '0' <= esc[0] && esc[0] <= '7':
			base, digits = 8, esc[:1]
			for len(digits) < 3 && len(digits) < len(esc) && '0' <= esc[len(digits)] && esc[len(digits)] <= '7' {
				digits = esc[:len(digits)+1]
			}
		}
		if len(digits) == 0 || len(digits) > 8 {
			continue
		}
		if n, err := strconv.ParseUint(string(digits), base, 32); err == nil && n < 0x80 && strings.IndexByte(word, byte(n)) >= 0 {
			return true
		}
	}
}

// identRune reports a character that may continue a JavaScript identifier
// (ID_Continue, `$`, ZWNJ, ZWJ), so that a word inside a longer name is not
// taken for the word; anything else, an invalid byte included, ends it.
func identRune(r rune) bool {
	return r == '_' || r == '$' || r == '\u200c' || r == '\u200d' ||
		unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Nl)
}
