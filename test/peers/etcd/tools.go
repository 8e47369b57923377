//go:build tools

// Package tools pins etcd's server as a dependency of this wrapper module: as a dependency, its
// own `replace … => ../api` sibling lines are ignored and the published modules are used.
package tools

import _ "go.etcd.io/etcd/server/v3"
