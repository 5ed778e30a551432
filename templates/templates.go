// Package templates holds the apps `valet init` scaffolds, embedded in the
// binary so that init works offline. Each top-level directory is one
// template; pkg/scaffold renders them.
//
// Two file names are stored under another name because they would change how
// this repository itself behaves: `_gitignore` becomes `.gitignore` (a real
// one would hide template files from git) and `_go.mod` becomes `go.mod` (a
// real one would make the directory its own module, which embed refuses).
package templates

import "embed"

// FS holds every template, one directory per template name.
//
//go:embed all:container-app all:worker all:assets
var FS embed.FS
