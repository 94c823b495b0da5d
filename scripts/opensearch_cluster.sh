#!/usr/bin/env bash
# A two-node OpenSearch cluster on 127.0.0.1 for stdsearch's OpenSearch engine (tests, CI, trying it out).
#
#   scripts/opensearch_cluster.sh start            start both nodes, wait for yellow/green, print the URL last
#   scripts/opensearch_cluster.sh stop             stop both nodes
#   scripts/opensearch_cluster.sh stop-node N      stop node N (1 or 2) only
#   scripts/opensearch_cluster.sh start-node N     start node N again and wait until it has joined and every
#                                                  primary shard is active (yellow; replicas recover after)
#   scripts/opensearch_cluster.sh status           print the cluster health (exit status non-zero when down)
#
# The official minimal distribution (org.opensearch.distribution.integ-test-zip, no security plugin, plain
# HTTP) is fetched once from Maven Central with `mvn dependency:copy` and cached. It runs on Java 17.
# Environment:
#   STDSEARCH_OPENSEARCH_KNN      1 (default): with the k-NN plugin (Lucene engine), so the clause vectors
#                                 are stored and searched in the cluster; it extends the lang-painless
#                                 module, assembled here from Maven Central's jars. opensearch-knn is
#                                 published only as 2.19.1.0, so the version is 2.19.1, and the nodes run
#                                 in their own folder (<run>-knn: a 2.19.1 node cannot read a 2.19.6
#                                 node's data). 0: the plain distribution (2.19.6), without k-NN (the
#                                 vectors stay beside the cluster, ranked by stdsearch itself).
#   STDSEARCH_OPENSEARCH_VERSION  distribution version (default 2.19.1 with k-NN, else 2.19.6)
#   STDSEARCH_OPENSEARCH_CACHE    where the zips and jars are kept (default ~/.cache/stdsearch/opensearch)
#   STDSEARCH_OPENSEARCH_RUN      where the nodes' program, data and logs live (default: the cache's run/,
#                                 or /var/tmp/stdsearch-opensearch as root, since OpenSearch refuses to run
#                                 as root and runs as the system user stdsearch-os instead; "-knn" appended
#                                 with the k-NN plugin)
#   STDSEARCH_OPENSEARCH_PORT     HTTP port of node 1 (default 9200); node 2 takes the next one,
#                                 transport ports are 100 above
#   STDSEARCH_OPENSEARCH_HEAP     heap of each node (default 512m)
set -euo pipefail

KNN="${STDSEARCH_OPENSEARCH_KNN:-1}"
KNN_VERSION=2.19.1
if [ "$KNN" = 1 ]; then
  VERSION="${STDSEARCH_OPENSEARCH_VERSION:-$KNN_VERSION}"
else
  VERSION="${STDSEARCH_OPENSEARCH_VERSION:-2.19.6}"
fi
CACHE="${STDSEARCH_OPENSEARCH_CACHE:-$HOME/.cache/stdsearch/opensearch}"
PORT="${STDSEARCH_OPENSEARCH_PORT:-9200}"
HEAP="${STDSEARCH_OPENSEARCH_HEAP:-512m}"
RUN_USER=""
if [ "$(id -u)" = 0 ]; then
  RUN_USER=stdsearch-os
  RUN="${STDSEARCH_OPENSEARCH_RUN:-/var/tmp/stdsearch-opensearch}"
else
  RUN="${STDSEARCH_OPENSEARCH_RUN:-$CACHE/run}"
fi
if [ "$KNN" = 1 ] && [ -z "${STDSEARCH_OPENSEARCH_RUN:-}" ]; then
  RUN="$RUN-knn"
fi
HOME_DIR="$RUN/opensearch-$VERSION"
NODES=(1 2)
START_TIMEOUT=240

log() { echo "opensearch_cluster: $*" >&2; }
die() { log "$*"; exit 1; }

http_port() { echo $((PORT + $1 - 1)); }
transport_port() { echo $((PORT + 100 + $1 - 1)); }
url() { echo "http://127.0.0.1:$(http_port 1)"; }

fetch_distribution() {
  # Bring the distribution zip into the cache once, unpack it into the run folder once.
  local zip="$CACHE/opensearch-$VERSION.zip"
  if [ ! -x "$HOME_DIR/bin/opensearch" ]; then
    if [ ! -s "$zip" ]; then
      command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch OpenSearch $VERSION"
      mkdir -p "$CACHE"
      log "fetching OpenSearch $VERSION from Maven Central"
      mvn -q dependency:copy \
        "-Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip" \
        "-DoutputDirectory=$CACHE" >&2 || die "mvn could not fetch the OpenSearch $VERSION distribution"
    fi
    mkdir -p "$RUN"
    rm -rf "$HOME_DIR.partial"
    mkdir -p "$HOME_DIR.partial"
    (cd "$HOME_DIR.partial" && unzip -q "$zip")
    mv "$HOME_DIR.partial/opensearch-$VERSION" "$HOME_DIR"
    rm -rf "$HOME_DIR.partial"
  fi
}

install_knn() {
  # With STDSEARCH_OPENSEARCH_KNN=1: the k-NN plugin into plugins/, and lang-painless, which it
  # extends, as a module assembled from Maven Central's jars (its jar, its SPI, ANTLR and ASM) with
  # a plugin descriptor and the security policy of OpenSearch's own module. The integration-test
  # distribution ships neither; the k-NN zip has no native libraries, which the Lucene engine does
  # not need.
  [ "$KNN" = 1 ] || return 0
  [ "$VERSION" = "$KNN_VERSION" ] || die "the k-NN plugin is published for OpenSearch $KNN_VERSION only, not $VERSION"
  local module="$HOME_DIR/modules/lang-painless" plugin="$HOME_DIR/plugins/opensearch-knn"
  if [ -d "$module" ] && [ -d "$plugin" ]; then
    return 0
  fi
  local parts="$CACHE/knn-$VERSION" artifact name
  mkdir -p "$parts"
  for artifact in "org.opensearch.plugin:opensearch-knn:$VERSION.0:zip" "org.opensearch.plugin:lang-painless:$VERSION" \
    "org.opensearch.plugin:opensearch-scripting-painless-spi:$VERSION" org.antlr:antlr4-runtime:4.13.1 \
    org.ow2.asm:asm:9.7 org.ow2.asm:asm-analysis:9.7 org.ow2.asm:asm-commons:9.7 org.ow2.asm:asm-tree:9.7 \
    org.ow2.asm:asm-util:9.7; do
    name="$(echo "$artifact" | cut -d: -f2)-$(echo "$artifact" | cut -d: -f3)"
    if ls "$parts/$name".* >/dev/null 2>&1; then
      continue
    fi
    log "fetching $artifact from Maven Central"
    mvn -q dependency:copy "-Dartifact=$artifact" "-DoutputDirectory=$parts" >&2 || die "mvn could not fetch $artifact"
  done
  rm -rf "$module" "$plugin"
  mkdir -p "$module" "$plugin"
  find "$parts" -name '*.jar' -exec cp {} "$module/" \;
  printf '%s\n' "description=An easy, safe and fast scripting language for OpenSearch" "version=$VERSION" \
    "name=lang-painless" "classname=org.opensearch.painless.PainlessPlugin" "java.version=11" \
    "opensearch.version=$VERSION" "extended.plugins=" "has.native.controller=false" \
    >"$module/plugin-descriptor.properties"
  printf '%s\n' "grant {" '  permission java.lang.RuntimePermission "createClassLoader";' \
    '  permission java.lang.RuntimePermission "getClassLoader";' "};" >"$module/plugin-security.policy"
  (cd "$plugin" && unzip -q "$parts/opensearch-knn-$VERSION.0.zip")
}

ensure_run_user() {
  # OpenSearch will not run as root: as root, run the nodes as a system user that owns the run folder.
  [ -n "$RUN_USER" ] || return 0
  if ! id "$RUN_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
  fi
  chown -R "$RUN_USER" "$RUN"
}

node_dir() { echo "$RUN/node-$1"; }

configure_node() {
  # Each node has its own config folder (OPENSEARCH_PATH_CONF), data and logs.
  local n=$1 dir seeds
  dir="$(node_dir "$n")"
  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
  rm -rf "$dir/config"
  cp -r "$HOME_DIR/config" "$dir/config"
  sed -i -e "s/^-Xms.*/-Xms$HEAP/" -e "s/^-Xmx.*/-Xmx$HEAP/" "$dir/config/jvm.options"
  seeds="\"127.0.0.1:$(transport_port 1)\", \"127.0.0.1:$(transport_port 2)\""
  cat >"$dir/config/opensearch.yml" <<EOF
cluster.name: stdsearch
node.name: node-$n
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $(http_port "$n")
transport.port: $(transport_port "$n")
discovery.seed_hosts: [$seeds]
cluster.initial_cluster_manager_nodes: ["node-1", "node-2"]
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

node_pid() {
  local pidfile
  pidfile="$(node_dir "$1")/opensearch.pid"
  [ -s "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

launch_node() {
  local n=$1 dir
  if node_pid "$n" >/dev/null; then
    log "node-$n is already running"
    return 0
  fi
  configure_node "$n"
  ensure_run_user
  dir="$(node_dir "$n")"
  rm -f "$dir/opensearch.pid"
  local -a env_vars=(
    "OPENSEARCH_PATH_CONF=$dir/config" "OPENSEARCH_TMPDIR=$dir/tmp"
    "JAVA_HOME=${OPENSEARCH_JAVA_HOME:-${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}}"
  )
  local -a cmd=("$HOME_DIR/bin/opensearch" -d -p "$dir/opensearch.pid")
  if [ -n "$RUN_USER" ]; then
    runuser -u "$RUN_USER" -- env "${env_vars[@]}" "${cmd[@]}" >"$dir/logs/launch.out" 2>&1 \
      || { tail -20 "$dir/logs/launch.out" >&2; die "node-$n did not start"; }
  else
    env "${env_vars[@]}" "${cmd[@]}" >"$dir/logs/launch.out" 2>&1 \
      || { tail -20 "$dir/logs/launch.out" >&2; die "node-$n did not start"; }
  fi
}

wait_for_health() {
  # Wait until $1 nodes have joined and the cluster is at least $2 (yellow or green).
  local nodes=$1 status=$2 deadline=$((SECONDS + START_TIMEOUT)) health
  while [ $SECONDS -lt $deadline ]; do
    local alive=0
    for n in "${NODES[@]}"; do
      if node_pid "$n" >/dev/null; then alive=$((alive + 1)); fi
    done
    [ $alive -gt 0 ] || [ $SECONDS -lt 20 ] || break
    for n in "${NODES[@]}"; do
      health="$(curl -s --max-time 10 \
        "http://127.0.0.1:$(http_port "$n")/_cluster/health?wait_for_nodes=$nodes&wait_for_status=$status&timeout=5s" \
        2>/dev/null || true)"
      if [[ "$health" == *'"timed_out":false'* ]]; then
        return 0
      fi
    done
    # A restarted node's replica can fail to start while the node still holds the shard's lock
    # from closing it ("failed to obtain in-memory shard lock"); after five such failures the
    # cluster stops trying and never turns green. Ask it to retry them.
    curl -s --max-time 10 -X POST "$(url)/_cluster/reroute?retry_failed=true" >/dev/null 2>&1 || true
    sleep 2
  done
  for n in "${NODES[@]}"; do
    tail -20 "$(node_dir "$n")/logs/stdsearch.log" >&2 2>/dev/null || true
  done
  die "the cluster did not reach $status with $nodes nodes within ${START_TIMEOUT}s"
}

stop_node() {
  local n=$1 pid
  pid="$(node_pid "$n")" || { log "node-$n is not running"; return 0; }
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$(node_dir "$n")/opensearch.pid"; return 0; }
    sleep 0.5
  done
  log "node-$n did not stop within 30 s: killing it"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$(node_dir "$n")/opensearch.pid"
}

start() {
  command -v java >/dev/null || [ -n "${JAVA_HOME:-}" ] || die "Java 17 is needed to run OpenSearch $VERSION"
  fetch_distribution
  install_knn
  for n in "${NODES[@]}"; do
    launch_node "$n"
  done
  wait_for_health "${#NODES[@]}" yellow
  log "cluster up: ${#NODES[@]} nodes, memory per node: heap $HEAP"
  url
}

case "${1:-}" in
  start) start ;;
  stop) for n in "${NODES[@]}"; do stop_node "$n"; done ;;
  stop-node) stop_node "${2:?node number}" ;;
  start-node)
    fetch_distribution
    install_knn
    launch_node "${2:?node number}"
    # Yellow, not green: on a busy 2-core machine replica recovery can take minutes, and searches
    # only need every primary shard.
    wait_for_health "${#NODES[@]}" yellow
    url
    ;;
  status) curl -sf --max-time 10 "$(url)/_cluster/health?pretty" ;;
  url) url ;;
  *) die "usage: $0 start|stop|stop-node N|start-node N|status|url" ;;
esac
