module pilotfish.test/peers/pebble

go 1.26

require github.com/canonical/pebble v1.32.1
