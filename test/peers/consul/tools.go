//go:build tools

// Package tools pins Consul as a dependency of this wrapper module: as a dependency, Consul's own
// `replace … => ./api` lines are ignored and its main package builds.
package tools

import _ "github.com/hashicorp/consul"
