# deps.mk - the build and test tools are installed (scripts/deps.sh).
# Targets that need more than a compiler (iso, run, debug, test) depend on
# $(DEPS_STAMP), so the check runs once per build directory and again only
# when scripts/deps.sh changes. "make deps" runs it unconditionally.
DEPS_STAMP := $(BUILD)/stamps/deps

$(DEPS_STAMP): scripts/deps.sh
	$(Q)bash scripts/deps.sh
	@mkdir -p $(dir $@)
	@touch $@

deps:
	$(Q)bash scripts/deps.sh
	@mkdir -p $(dir $(DEPS_STAMP))
	@touch $(DEPS_STAMP)
