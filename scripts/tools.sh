# Sourced by scripts/test: the tools some tests need beyond Python packages. Prometheus's promtool
# checks the alert rules, the dashboard's queries and the metrics exposition
# (tests/integration/test_deploy_kit.py); it comes from the distribution's `prometheus` package.
# Where it cannot be installed (not root, no apt), those tests skip and say why.
if ! command -v promtool > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
    echo "installing promtool (Debian package prometheus)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends prometheus > /dev/null 2>&1 \
      || { apt-get update -qq > /dev/null 2>&1 && apt-get install -y -qq --no-install-recommends prometheus > /dev/null 2>&1; } \
      || echo "could not install promtool with apt-get; the tests that need it will skip"
    # The package starts (and enables) a Prometheus server where an init system runs; the tests
    # need only the tool, so the server is stopped and disabled.
    if command -v systemctl > /dev/null 2>&1; then
      systemctl disable --now prometheus prometheus-node-exporter > /dev/null 2>&1 || true
    fi
  else
    echo "promtool is not installed and cannot be here (needs root and apt-get); the tests that need it will skip"
  fi
fi
