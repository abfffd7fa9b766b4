# Thin wrapper over Meson/ninja so users type make, make test, make demo,
# make install. CFLAGS, LDFLAGS, CPPFLAGS from the caller are passed to
# Meson through the environment at configure time (meson reads them);
# PREFIX and DESTDIR are honoured by install.
#
# Never put a trailing comment on an assignment line: make keeps the
# spaces before '#' in the value.
PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
MESON ?= meson
NINJA ?= ninja
WERROR ?= false
PYTHON ?= /usr/bin/python3
FUZZ_SECONDS ?= 60

export CFLAGS LDFLAGS CPPFLAGS

.PHONY: all test check test-asan demo install uninstall clean fuzz bench \
	deps format-check

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --prefix=$(PREFIX) -Dwerror=$(WERROR)

# Every suite: unit, golden, scenario, oracle, fuzz regression. Ends with
# "N passed, N failed, N skipped".
test check: all
	$(PYTHON) tests/run.py --build $(BUILD)

# Unit tests and fuzz regressions under AddressSanitizer + UBSan.
test-asan:
	[ -f $(ASAN_BUILD)/build.ninja ] || $(MESON) setup $(ASAN_BUILD) \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dwerror=$(WERROR)
	$(NINJA) -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(PYTHON) tests/run.py --build $(ASAN_BUILD) \
		--suite unit/ --suite fuzz/ --suite scenarios --suite lint/ \
		--suite report --suite oracle --suite live

demo: all
	scripts/demo.sh $(BUILD)

fuzz:
	[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang $(MESON) setup \
		$(FUZZ_BUILD) -Dfuzz=true -Db_lundef=false \
		-Db_sanitize=address,undefined
	$(NINJA) -C $(FUZZ_BUILD)
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: all
	bench/run.sh $(BUILD)

install: all
	DESTDIR=$(DESTDIR) $(MESON) install -C $(BUILD) --no-rebuild

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ctfw \
		$(DESTDIR)$(PREFIX)/share/man/man8/ctfw.8

deps:
	scripts/install-deps.sh

format-check:
	scripts/check-banned.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
