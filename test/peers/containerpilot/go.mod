module pilotfish.test/peers/containerpilot

go 1.24

require (
	github.com/joyent/containerpilot v0.0.0-20180502193200-408dbc9af386
	github.com/hashicorp/consul v1.0.7
	github.com/prometheus/client_golang v0.9.4
	github.com/mitchellh/mapstructure v0.0.0-20160212031839-d2dd02622084
	github.com/flynn/json5 v0.0.0-20160717195620-7620272ed633
)
