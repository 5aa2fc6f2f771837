#!/usr/bin/env bash
echo "node24: not set up yet"
