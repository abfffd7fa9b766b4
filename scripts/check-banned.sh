#!/bin/sh
# Ban functions that have no place in the core library (STYLE.md §12):
# unbounded copies, unchecked conversions, non-reentrant tokenising.
cd "$(dirname "$0")/.." || exit 1
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|atoi|atol|strtok|gets)\s*\(' \
    lib/ include/ 2>/dev/null | grep -v '^\s*//' || true)
if [ -n "$hits" ]; then
    echo "banned function in lib/ or include/:"
    echo "$hits"
    exit 1
fi
echo "check-banned: clean"
