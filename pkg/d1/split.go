package d1

import "strings"

// Split cuts SQL into statements at top-level semicolons, as wrangler's
// splitter does: not inside quotes (”, "", “, []), comments (--, /* */)
// or a trigger's BEGIN ... END. Statements that are empty or only comments
// are dropped.
func Split(sql string) []string {
	var out []string
	start, i := 0, 0
	depth := 0 // BEGIN ... END nesting inside CREATE TRIGGER
	flush := func(end int) {
		s := strings.TrimSpace(sql[start:end])
		if s != "" && !onlyComments(s) {
			out = append(out, s)
		}
		start = end + 1
	}
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(sql, i, c)
			continue
		case c == '[':
			if j := strings.IndexByte(sql[i:], ']'); j >= 0 {
				i += j + 1
			} else {
				i = len(sql)
			}
			continue
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if j := strings.IndexByte(sql[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(sql)
			}
			continue
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(sql)
			}
			continue
		case isWordStart(sql, i):
			w := word(sql, i)
			switch strings.ToUpper(w) {
			case "BEGIN":
				if isTrigger(sql[start:i]) {
					depth++
				}
			case "END":
				if depth > 0 {
					depth--
				}
			}
			i += len(w)
			continue
		case c == ';' && depth == 0:
			flush(i)
		}
		i++
	}
	if start < len(sql) {
		flush(len(sql))
	}
	return out
}

// skipQuoted returns the index after the quoted string opened at i (a
// doubled quote is an escaped one).
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isWordStart(s string, i int) bool {
	return isWordByte(s[i]) && (i == 0 || !isWordByte(s[i-1]))
}

func word(s string, i int) string {
	j := i
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	return s[i:j]
}

// isTrigger reports whether the statement so far creates a trigger, whose
// body's semicolons do not end it.
func isTrigger(stmt string) bool {
	f := strings.Fields(strings.ToUpper(stripComments(stmt)))
	for i := 0; i+1 < len(f) && i < 4; i++ {
		if f[i] == "CREATE" {
			for _, w := range f[i+1 : min(i+4, len(f))] {
				if w == "TRIGGER" {
					return true
				}
			}
		}
	}
	return false
}

func onlyComments(s string) bool { return strings.TrimSpace(stripComments(s)) == "" }

// stripComments removes -- and /* */ comments outside quotes.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := skipQuoted(s, i, c)
			b.WriteString(s[i:j])
			i = j
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return b.String()
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return b.String()
			}
			i += j + 4
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
