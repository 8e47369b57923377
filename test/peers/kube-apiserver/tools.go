//go:build tools

// Package tools pins kube-apiserver and kubectl (the Kubernetes bridge tests' API server and
// client) as dependencies of this wrapper module, so both build from one module graph.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
