#!/usr/bin/env bash
# Real single-node Apache Kafka (KRaft, broker+controller, jars from Maven Central)
# and a real redis-server on loopback, for tests and for people. No Docker needed.
#
#   scripts/local-services.sh install               fetch Kafka jars (Maven), apt-install redis-server, prometheus and alertmanager if missing
#   scripts/local-services.sh start [kafka|redis|cluster|all]   (default all) start and wait until they really answer
#   scripts/local-services.sh stop  [kafka|redis|cluster|all]   SIGTERM (then SIGKILL after a timeout); data dir is kept
#   scripts/local-services.sh kill  kafka|redis|cluster|all     SIGKILL (crash tests)
#   scripts/local-services.sh restart [kafka|redis|cluster|all]
#   scripts/local-services.sh env                   print `export` lines (eval "$(scripts/local-services.sh env)")
#   scripts/local-services.sh status                which are running (exit 0 = all running, 3 = not all)
#   scripts/local-services.sh clean                 stop all and delete the state dir
#
# Ports (127.0.0.1 only) are chosen once, on the first start, and remembered in the
# state dir together with the SASL password, so a stop/start (or kill/start) keeps
# the same addresses, topics and committed offsets.
#
# Kafka listeners: PLAINTEXT, SASL_PLAINTEXT (PLAIN) and SASL_SSL (PLAIN over TLS,
# what Confluent Cloud uses). ACLs are enforced (StandardAuthorizer): PLAINTEXT
# clients (User:ANONYMOUS) and the SASL users admin and auditwatch are super users;
# the SASL user noacl has no ACLs and is denied everything (authorization tests). The SASL_SSL listener's CA and server certificate
# (SAN IP:127.0.0.1, DNS:localhost) are made once with the JDK's keytool into
# <state dir>/tls; clients trust tls/ca.pem (AUDITWATCH_KAFKA_SSL_CA_FILE).
#
# Environment:
#   AUDITWATCH_SERVICES_DIR   state dir (default <repo>/.local-services)
#   AUDITWATCH_CACHE_DIR      jar cache (default ~/.cache/auditwatch) -> kafka-<version>/libs
#   AUDITWATCH_SERVICES_READY_TIMEOUT  seconds to wait for readiness (default 90)
#   AUDITWATCH_SERVICES_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL (default 30)
#   AUDITWATCH_KAFKA_HEAP_OPTS         default "-Xms256m -Xmx512m"
#   AUDITWATCH_MVN_ARGS                extra Maven arguments (e.g. -s settings.xml)
#   JAVA_HOME                          Java 17+ (else `java` on PATH)
#
# Progress goes to stderr; stdout carries only the output of `env` and `status`.
# Exit codes: 0 ok, 1 failure, 2 usage error, 3 (status) not everything running.
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
STATE_DIR=$(realpath -m "${AUDITWATCH_SERVICES_DIR:-$REPO_DIR/.local-services}")
CACHE_DIR=$(realpath -m "${AUDITWATCH_CACHE_DIR:-${HOME:-/tmp}/.cache/auditwatch}")
POM="$SCRIPT_DIR/kafka/pom.xml"
LOG4J_CONF="$SCRIPT_DIR/kafka/log4j2.properties"
HELPER="$SCRIPT_DIR/local-services-helper.mjs"
READY_TIMEOUT=${AUDITWATCH_SERVICES_READY_TIMEOUT:-90}
STOP_TIMEOUT=${AUDITWATCH_SERVICES_STOP_TIMEOUT:-30}
KAFKA_HEAP_OPTS=${AUDITWATCH_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$POM" | head -n1)
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_MARKER="$KAFKA_HOME/.complete"

CONF_FILE="$STATE_DIR/services.conf"
ENV_FILE="$STATE_DIR/env"
OWNER_MARKER="$STATE_DIR/.auditwatch-local-services"
KAFKA_DIR="$STATE_DIR/kafka"
REDIS_DIR="$STATE_DIR/redis"
TLS_DIR="$STATE_DIR/tls"
CA_PEM="$TLS_DIR/ca.pem"
KEYSTORE="$TLS_DIR/broker.p12"

log() { printf '[local-services] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() {
  sed -n '2,/^set -Eeuo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

# --------------------------------------------------------------------------- tools

JAVA=""
need_java() {
  [ -n "$JAVA" ] && return 0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then JAVA=$(command -v java)
  else die "java not found (Kafka $KAFKA_VERSION needs Java 17+; apt-get install openjdk-17-jre-headless)"; fi
  local v major
  v=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  major=${v%%.*}; [ "$major" = 1 ] && major=$(echo "$v" | cut -d. -f2)
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 17 ]; then
    die "Java 17+ required, found '$v' ($JAVA)"
  fi
}

KEYTOOL=""
need_keytool() { # the JDK's keytool: always next to the java that runs the broker
  [ -n "$KEYTOOL" ] && return 0
  need_java
  KEYTOOL="$(dirname "$(realpath "$JAVA")")/keytool"
  [ -x "$KEYTOOL" ] || KEYTOOL=$(command -v keytool) || die "keytool not found next to $JAVA (install a full JRE/JDK 17+)"
}

need_node() {
  command -v node >/dev/null 2>&1 || die "node not found (needed for port selection and the Kafka readiness check)"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root (or passwordless sudo) to run: $*"; fi
}

random_hex() { od -An -tx1 -N"${1:-16}" /dev/urandom | tr -d ' \n'; }

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

# --------------------------------------------------------------------------- install

kafka_installed() {
  [ -f "$KAFKA_MARKER" ] && [ "$(cat "$KAFKA_MARKER")" = "$(pom_hash)" ] \
    && [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]
}

install_kafka() {
  [ -n "$KAFKA_VERSION" ] || die "could not read <kafka.version> from $POM"
  kafka_installed && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
  need_java
  mkdir -p "$KAFKA_HOME"
  exec 8>"$KAFKA_HOME/.lock"
  flock -w 900 8 || die "timed out waiting for another install of $KAFKA_HOME"
  if ! kafka_installed; then
    log "fetching Kafka $KAFKA_VERSION broker jars with Maven into $KAFKA_LIBS"
    local tmp
    tmp=$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")
    # (sed: Maven 3.8 prints bare ANSI reset codes even in batch mode)
    # shellcheck disable=SC2086
    if ! mvn -B -q -Dstyle.color=never ${AUDITWATCH_MVN_ARGS:-} -f "$POM" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 8>&- \
        | sed -u -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; then
      rm -rf "$tmp"
      die "Maven could not fetch the Kafka jars (see above)"
    fi
    [ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after Maven run"; }
    rm -rf "$KAFKA_LIBS"
    mv "$tmp" "$KAFKA_LIBS"
    pom_hash >"$KAFKA_MARKER"
    log "Kafka $KAFKA_VERSION: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars, $(du -sh "$KAFKA_LIBS" | cut -f1)"
  fi
  exec 8>&-
}

install_redis() {
  if command -v redis-server >/dev/null 2>&1; then return 0; fi
  log "installing redis-server with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold redis-server >&2 \
    || die "apt-get install redis-server failed"
  command -v redis-server >/dev/null 2>&1 || die "redis-server still not on PATH after apt-get install"
}

# Debian packages whose postinst starts a system daemon where an init system runs:
# prometheus (with promtool; port 9090) for the tests of the PrometheusRule, the dashboard
# and the scrape, and prometheus-alertmanager (port 9093) for the Alertmanager sink's tests.
# The tests start their own instances on free ports, so service starts are refused while
# the package installs (policy-rc.d, honoured by invoke-rc.d and deb-systemd-invoke) and
# the unit is disabled on systemd hosts.
apt_install_without_daemon() { # PACKAGE COMMAND
  local package=$1 command=$2 policy=/usr/sbin/policy-rc.d added="" rc=0
  if command -v "$command" >/dev/null 2>&1; then return 0; fi
  log "installing $package with apt-get"
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# auditwatch local-services: no daemon starts while installing %s\nexit 101\n' "$package" | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    added=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$package" >&2 || rc=$?
  if [ -n "$added" ]; then as_root rm -f "$policy"; fi
  [ "$rc" -eq 0 ] || die "apt-get install $package failed"
  if [ -d /run/systemd/system ]; then as_root systemctl disable --now "$package.service" >&2 || true; fi
  command -v "$command" >/dev/null 2>&1 || die "$command still not on PATH after apt-get install $package"
}

install_prometheus() { apt_install_without_daemon prometheus prometheus && apt_install_without_daemon prometheus promtool; }
install_alertmanager() { apt_install_without_daemon prometheus-alertmanager prometheus-alertmanager; }

# --------------------------------------------------------------------------- state

lock_state() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock -w 600 9 || die "timed out waiting for another local-services.sh on $STATE_DIR"
}

load_conf() {
  [ -s "$CONF_FILE" ] || return 1
  # shellcheck disable=SC1090
  . "$CONF_FILE"
}

ensure_state() {
  mkdir -p "$STATE_DIR" "$KAFKA_DIR/logs" "$KAFKA_DIR/data" "$REDIS_DIR"
  touch "$OWNER_MARKER"
  if ! load_conf; then
    need_node
    local ports
    ports=$(node "$HELPER" free-ports 6) || die "could not pick free ports"
    # shellcheck disable=SC2206
    local p=($ports)
    [ "${#p[@]}" -eq 6 ] || die "could not pick free ports (got: $ports)"
    local old_umask
    old_umask=$(umask)
    umask 077
    cat >"$CONF_FILE.tmp" <<EOF
# Chosen on first start by scripts/local-services.sh; delete with 'clean'.
KAFKA_PORT=${p[0]}
KAFKA_SASL_PORT=${p[1]}
KAFKA_INTERNAL_PORT=${p[2]}
KAFKA_CONTROLLER_PORT=${p[3]}
REDIS_PORT=${p[4]}
KAFKA_SASL_SSL_PORT=${p[5]}
KAFKA_SASL_USERNAME=auditwatch
KAFKA_SASL_PASSWORD=$(random_hex 16)
KAFKA_ADMIN_USERNAME=admin
KAFKA_ADMIN_PASSWORD=$(random_hex 16)
KAFKA_KEYSTORE_PASSWORD=$(random_hex 16)
KAFKA_DENIED_USERNAME=noacl
KAFKA_DENIED_PASSWORD=$(random_hex 16)
EOF
    mv "$CONF_FILE.tmp" "$CONF_FILE"
    umask "$old_umask"
    load_conf
    log "ports: kafka plaintext $KAFKA_PORT, sasl $KAFKA_SASL_PORT, sasl_ssl $KAFKA_SASL_SSL_PORT, internal $KAFKA_INTERNAL_PORT, controller $KAFKA_CONTROLLER_PORT; redis $REDIS_PORT"
  fi
  upgrade_conf
  (umask 077 && env_lines >"$ENV_FILE.tmp") && mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# A state dir made by an older version of this script keeps its ports, data and
# passwords; it only gets what is new added: the SASL_SSL listener's port and
# keystore password, the user without ACLs.
upgrade_conf() {
  if [ -z "${KAFKA_SASL_SSL_PORT:-}" ] || [ -z "${KAFKA_KEYSTORE_PASSWORD:-}" ]; then
    need_node
    local port used="$KAFKA_PORT $KAFKA_SASL_PORT $KAFKA_INTERNAL_PORT $KAFKA_CONTROLLER_PORT $REDIS_PORT"
    # free-ports only sees what is bound now, and a stopped service's remembered port is free
    for port in $(node "$HELPER" free-ports 6); do
      [[ " $used " == *" $port "* ]] || break
    done
    [[ " $used " != *" $port "* ]] || die "could not pick a free port for the SASL_SSL listener"
    (umask 077 && printf 'KAFKA_SASL_SSL_PORT=%s\nKAFKA_KEYSTORE_PASSWORD=%s\n' "$port" "$(random_hex 16)" >>"$CONF_FILE")
    load_conf
    log "added the SASL_SSL listener's port $KAFKA_SASL_SSL_PORT to $CONF_FILE"
  fi
  if [ -z "${KAFKA_DENIED_USERNAME:-}" ] || [ -z "${KAFKA_DENIED_PASSWORD:-}" ]; then
    (umask 077 && printf 'KAFKA_DENIED_USERNAME=noacl\nKAFKA_DENIED_PASSWORD=%s\n' "$(random_hex 16)" >>"$CONF_FILE")
    load_conf
    log "added the SASL user without ACLs ($KAFKA_DENIED_USERNAME) to $CONF_FILE"
  fi
}

# The CA and the broker's key and certificate, made once with keytool (part of the
# JDK the broker needs anyway, so nothing else to install). Kafka reads the PKCS12
# keystore; clients get only the CA certificate as PEM.
ensure_tls() {
  [ -s "$CA_PEM" ] && [ -s "$KEYSTORE" ] && return 0
  need_keytool
  local tmp pw=$KAFKA_KEYSTORE_PASSWORD
  tmp=$(mktemp -d "$STATE_DIR/tls.tmp.XXXXXX")
  local kt=("$KEYTOOL" -noprompt -storetype PKCS12 -storepass "$pw" -keypass "$pw")
  log "making the SASL_SSL listener's CA and certificate (SAN IP:127.0.0.1, DNS:localhost) in $TLS_DIR"
  {
    "${kt[@]}" -genkeypair -keystore "$tmp/ca.p12" -alias ca -keyalg RSA -keysize 2048 -validity 3650 \
      -dname "CN=auditwatch local-services CA" -ext bc:c=ca:true -ext ku:c=keyCertSign,cRLSign \
      && "${kt[@]}" -exportcert -rfc -keystore "$tmp/ca.p12" -alias ca -file "$tmp/ca.pem" \
      && "${kt[@]}" -genkeypair -keystore "$tmp/broker.p12" -alias broker -keyalg RSA -keysize 2048 -validity 3650 \
        -dname "CN=localhost" \
      && "${kt[@]}" -certreq -keystore "$tmp/broker.p12" -alias broker -file "$tmp/broker.csr" \
      && "${kt[@]}" -gencert -keystore "$tmp/ca.p12" -alias ca -infile "$tmp/broker.csr" -outfile "$tmp/broker.pem" -rfc \
        -validity 3650 -ext san=ip:127.0.0.1,dns:localhost -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth \
      && "${kt[@]}" -importcert -keystore "$tmp/broker.p12" -alias ca -file "$tmp/ca.pem" \
      && "${kt[@]}" -importcert -keystore "$tmp/broker.p12" -alias broker -file "$tmp/broker.pem"
  } >"$tmp/keytool.log" 2>&1 || { cat "$tmp/keytool.log" >&2; rm -rf "$tmp"; die "keytool could not make the TLS certificates"; }
  # The CA's private key is not kept: nothing else is ever signed with it.
  rm -f "$tmp/ca.p12" "$tmp/broker.csr" "$tmp/broker.pem" "$tmp/keytool.log"
  chmod 600 "$tmp/broker.p12"
  chmod 644 "$tmp/ca.pem"
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
}

env_lines() {
  cat <<EOF
export AUDITWATCH_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export AUDITWATCH_KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT
export AUDITWATCH_KAFKA_SASL_USERNAME=$KAFKA_SASL_USERNAME
export AUDITWATCH_KAFKA_SASL_PASSWORD=$KAFKA_SASL_PASSWORD
export AUDITWATCH_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
EOF
  # (absent from a state dir made before the SASL_SSL listener, until its next start)
  if [ -n "${KAFKA_SASL_SSL_PORT:-}" ]; then
    echo "export AUDITWATCH_KAFKA_SASL_SSL_BROKERS=127.0.0.1:$KAFKA_SASL_SSL_PORT"
    echo "export AUDITWATCH_KAFKA_SSL_CA_FILE=$CA_PEM"
  fi
  # (absent from a state dir made before the user without ACLs, until its next start)
  if [ -n "${KAFKA_DENIED_USERNAME:-}" ]; then
    echo "export AUDITWATCH_KAFKA_SASL_DENIED_USERNAME=$KAFKA_DENIED_USERNAME"
    echo "export AUDITWATCH_KAFKA_SASL_DENIED_PASSWORD=$KAFKA_DENIED_PASSWORD"
  fi
  # (absent until the cluster's first start)
  if [ -s "$CLUSTER_CONF" ]; then
    # shellcheck disable=SC1090
    . "$CLUSTER_CONF"
    echo "export AUDITWATCH_REDIS_CLUSTER_NODES=$(cluster_nodes)"
  fi
}

# --------------------------------------------------------------------------- processes
# A pid file holds "PID STARTTIME" (field 22 of /proc/PID/stat), so a recycled PID
# is never mistaken for ours and never signalled.

pid_file() { echo "$STATE_DIR/$1/$1.pid"; }

proc_field() { # PID -> prints "STATE STARTTIME" or fails
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  # shellcheck disable=SC2086
  set -- $st
  echo "$1 ${20}"
}

running_pid() { # NAME -> prints PID if our recorded process is alive
  local f pid start fields
  f=$(pid_file "$1")
  [ -f "$f" ] || return 1
  read -r pid start <"$f" || true
  [[ "${pid:-}" =~ ^[0-9]+$ ]] || return 1
  fields=$(proc_field "$pid") || return 1
  [ "${fields%% *}" != Z ] || return 1
  [ "${fields#* }" = "${start:-}" ] || return 1
  echo "$pid"
}

port_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch() { # NAME LOGFILE CMD... : start detached (own session), record PID
  local name=$1 out=$2 pf pid fields i
  shift 2
  pf=$(pid_file "$name")
  rm -f "$pf" "$pf.new"
  printf '=== %s local-services.sh: starting %s ===\n' "$(date -Is)" "$name" >>"$out"
  # bash writes its own PID and execs the service, so the PID is the service's PID;
  # fds 8/9 (our locks) are closed so the service never holds them.
  # shellcheck disable=SC2016
  setsid nohup bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pf.new" "$@" \
    </dev/null >>"$out" 2>&1 8>&- 9>&- &
  for ((i = 0; i < 100; i++)); do
    [ -s "$pf.new" ] && break
    sleep 0.05
  done
  [ -s "$pf.new" ] || die "$name did not start (see $out)"
  pid=$(cat "$pf.new")
  rm -f "$pf.new"
  fields=$(proc_field "$pid") || die "$name exited immediately; last lines of $out:$(printf '\n'; tail -n 40 "$out")"
  echo "$pid ${fields#* }" >"$pf"
}

stop_one() { # NAME SIGNAL TIMEOUT
  local name=$1 sig=$2 timeout=$3 pid deadline
  if ! pid=$(running_pid "$name"); then
    rm -f "$(pid_file "$name")"
    log "$name is not running"
    return 0
  fi
  log "stopping $name (pid $pid, SIG$sig)"
  kill -s "$sig" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while running_pid "$name" >/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      if [ "$sig" = KILL ]; then die "$name (pid $pid) survived SIGKILL"; fi
      log "$name did not stop within ${timeout}s, sending SIGKILL"
      kill -s KILL "$pid" 2>/dev/null || true
      sig=KILL
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
  rm -f "$(pid_file "$name")"
  log "$name stopped"
}

# --------------------------------------------------------------------------- kafka

write_kafka_properties() {
  local jaas
  jaas="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$KAFKA_ADMIN_USERNAME\" password=\"$KAFKA_ADMIN_PASSWORD\""
  jaas+=" user_$KAFKA_ADMIN_USERNAME=\"$KAFKA_ADMIN_PASSWORD\" user_$KAFKA_SASL_USERNAME=\"$KAFKA_SASL_PASSWORD\""
  jaas+=" user_$KAFKA_DENIED_USERNAME=\"$KAFKA_DENIED_PASSWORD\";"
  cat >"$KAFKA_DIR/server.properties.tmp" <<EOF
# Generated by scripts/local-services.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,INTERNAL://127.0.0.1:$KAFKA_INTERNAL_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,INTERNAL://127.0.0.1:$KAFKA_INTERNAL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL

# SASL/PLAIN (like Confluent Cloud's API key/secret, without TLS)
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=$jaas

# SASL_SSL/PLAIN, exactly what Confluent Cloud clients use (same users)
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=$jaas
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KEYSTORE
listener.name.sasl_ssl.ssl.keystore.password=$KAFKA_KEYSTORE_PASSWORD
listener.name.sasl_ssl.ssl.key.password=$KAFKA_KEYSTORE_PASSWORD

# ACLs are enforced, so that tests can see what a client without permissions sees.
# Everyone the tests and the broker itself use is a super user: PLAINTEXT,
# INTERNAL and CONTROLLER connections are User:ANONYMOUS; the SASL users admin
# and $KAFKA_SASL_USERNAME. $KAFKA_DENIED_USERNAME has no ACLs, so it is denied everything.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS;User:$KAFKA_ADMIN_USERNAME;User:$KAFKA_SASL_USERNAME
allow.everyone.if.no.acl.found=false

log.dirs=$KAFKA_DIR/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true

# single node
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=3
group.initial.rebalance.delay.ms=0

# After a SIGKILL (crash tests) the restarted broker cannot re-register until the
# old registration's session expires (default 9 s, DUPLICATE_BROKER_REGISTRATION).
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=1000

# small machine
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
  mv "$KAFKA_DIR/server.properties.tmp" "$KAFKA_DIR/server.properties"
  chmod 600 "$KAFKA_DIR/server.properties"
}

kafka_java() { # runs java with the broker classpath and logging setup (in the foreground)
  kafka_cmd "$@"
  "${KAFKA_CMD[@]}"
}

kafka_cmd() { # sets KAFKA_CMD to the java command line for class + args
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  KAFKA_CMD=("$JAVA" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dkafka.logs.dir=$KAFKA_DIR/logs"
    -Dauditwatch.local.services=1 -cp "$KAFKA_LIBS/*" "$@")
}

kafka_log_tail() {
  local f
  for f in "$KAFKA_DIR/logs/kafka.out" "$KAFKA_DIR/logs/server.log"; do
    [ -f "$f" ] && { printf -- '--- last lines of %s ---\n' "$f"; tail -n 40 "$f"; }
  done
  return 0
}

format_kafka() {
  [ -f "$KAFKA_DIR/data/meta.properties" ] && return 0
  local out cid
  out=$(kafka_java kafka.tools.StorageTool random-uuid 2>&1) || die "StorageTool random-uuid failed:
$out"
  cid=$(printf '%s\n' "$out" | tail -n1)
  [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed no cluster id:
$out"
  log "formatting KRaft log dir (cluster id $cid, --standalone)"
  kafka_java kafka.tools.StorageTool format --standalone -t "$cid" -c "$KAFKA_DIR/server.properties" >&2 \
    || die "StorageTool format failed"
  echo "$cid" >"$KAFKA_DIR/cluster-id"
}

kafka_ready() { # TIMEOUT_S ; exit status of the helper (0 ready, 1 not yet, 2 no kafkajs)
  node "$HELPER" kafka-ready "127.0.0.1:$KAFKA_PORT" "127.0.0.1:$KAFKA_SASL_PORT" \
    "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_PASSWORD" "$1" "127.0.0.1:$KAFKA_SASL_SSL_PORT" "$CA_PEM"
}

wait_kafka() {
  local deadline=$((SECONDS + READY_TIMEOUT)) rc
  need_node
  while :; do
    running_pid kafka >/dev/null || { stop_one kafka KILL 5 || true; die "kafka exited during startup.
$(kafka_log_tail)"; }
    rc=0; kafka_ready 5 || rc=$?
    case $rc in
      0) return 0 ;;
      2) log "WARNING: kafkajs missing (npm ci); only checking that the ports accept connections"
         port_listening "$KAFKA_PORT" && port_listening "$KAFKA_SASL_PORT" && port_listening "$KAFKA_SASL_SSL_PORT" && return 0 ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "kafka did not answer within ${READY_TIMEOUT}s; stopping it"
      stop_one kafka TERM 10 || true
      die "kafka did not come up.
$(kafka_log_tail)"
    fi
    sleep 0.5
  done
}

start_kafka() {
  install_kafka
  need_java
  local pid p t0=$SECONDS
  if pid=$(running_pid kafka); then
    log "kafka already running (pid $pid)"
    wait_kafka
    return 0
  fi
  for p in "$KAFKA_PORT" "$KAFKA_SASL_PORT" "$KAFKA_SASL_SSL_PORT" "$KAFKA_INTERNAL_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_listening "$p" && die "port $p (remembered for kafka) is in use by another process; free it or run 'clean'"
  done
  ensure_tls
  write_kafka_properties
  format_kafka
  log "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (PLAINTEXT), 127.0.0.1:$KAFKA_SASL_PORT (SASL_PLAINTEXT/PLAIN), 127.0.0.1:$KAFKA_SASL_SSL_PORT (SASL_SSL/PLAIN)"
  kafka_cmd kafka.Kafka "$KAFKA_DIR/server.properties"
  launch kafka "$KAFKA_DIR/logs/kafka.out" "${KAFKA_CMD[@]}"
  wait_kafka
  log "kafka ready (pid $(running_pid kafka), $((SECONDS - t0))s)"
}

# --------------------------------------------------------------------------- redis

redis_ping() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
  else
    local line
    exec 7<>"/dev/tcp/127.0.0.1/$REDIS_PORT" 2>/dev/null || return 1
    printf 'PING\r\n' >&7
    read -r -t 3 line <&7 || true
    exec 7>&-
    [ "${line%$'\r'}" = "+PONG" ]
  fi
}

start_redis() {
  install_redis
  local pid t0=$SECONDS deadline
  if pid=$(running_pid redis); then
    log "redis already running (pid $pid)"
  else
    port_listening "$REDIS_PORT" && die "port $REDIS_PORT (remembered for redis) is in use by another process; free it or run 'clean'"
    log "starting redis on 127.0.0.1:$REDIS_PORT"
    launch redis "$REDIS_DIR/redis.log" "$(command -v redis-server)" --port "$REDIS_PORT" --bind 127.0.0.1 \
      --save "" --appendonly no --daemonize no --dir "$REDIS_DIR" --logfile "" --protected-mode yes
  fi
  deadline=$((SECONDS + 30))
  until redis_ping; do
    running_pid redis >/dev/null || die "redis exited during startup:
$(tail -n 30 "$REDIS_DIR/redis.log" 2>/dev/null)"
    if [ "$SECONDS" -ge "$deadline" ]; then
      stop_one redis TERM 5 || true
      die "redis did not answer PING within 30s:
$(tail -n 30 "$REDIS_DIR/redis.log" 2>/dev/null)"
    fi
    sleep 0.1
  done
  log "redis ready (pid $(running_pid redis), $((SECONDS - t0))s)"
}

# --------------------------------------------------------------------------- redis cluster
# Three masters (no replicas) on loopback, each in its own directory (nodes.conf is
# written there), with an explicit cluster bus port so that port + 10000 need not be
# free. Ports are chosen once and kept in their own file, beside the main config.

CLUSTER_CONF="$STATE_DIR/redis-cluster.conf"

ensure_cluster_ports() {
  if [ ! -s "$CLUSTER_CONF" ]; then
    need_node
    local used="${KAFKA_PORT:-} ${KAFKA_SASL_PORT:-} ${KAFKA_SASL_SSL_PORT:-} ${KAFKA_INTERNAL_PORT:-} ${KAFKA_CONTROLLER_PORT:-} ${REDIS_PORT:-}" port picked=()
    for port in $(node "$HELPER" free-ports 12); do
      [[ " $used " == *" $port "* ]] || picked+=("$port")
    done
    [ "${#picked[@]}" -ge 6 ] || die "could not pick free ports for the Redis Cluster"
    printf 'CLUSTER_PORTS="%s %s %s"\nCLUSTER_BUS_PORTS="%s %s %s"\n' "${picked[@]:0:6}" >"$CLUSTER_CONF"
  fi
  # shellcheck disable=SC1090
  . "$CLUSTER_CONF"
}

cluster_nodes() { local p out=""; for p in $CLUSTER_PORTS; do out="$out${out:+,}127.0.0.1:$p"; done; echo "$out"; }

cluster_state() { timeout 3 redis-cli -h 127.0.0.1 -p "${CLUSTER_PORTS%% *}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }

install_cluster() { install_redis; }

start_cluster() {
  ensure_cluster_ports
  local ports=($CLUSTER_PORTS) bus=($CLUSTER_BUS_PORTS) i name dir t0=$SECONDS deadline fresh=0
  for i in 0 1 2; do
    name=redis-cluster-$i
    dir=$STATE_DIR/$name
    mkdir -p "$dir"
    if running_pid "$name" >/dev/null; then continue; fi
    port_listening "${ports[$i]}" && die "port ${ports[$i]} (remembered for $name) is in use by another process; free it or run 'clean'"
    [ -s "$dir/nodes.conf" ] || fresh=1
    launch "$name" "$dir/redis.log" "$(command -v redis-server)" --port "${ports[$i]}" --cluster-port "${bus[$i]}" --bind 127.0.0.1 \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 3000 \
      --save "" --appendonly no --daemonize no --dir "$dir" --logfile "" --protected-mode yes
  done
  deadline=$((SECONDS + 30))
  for i in 0 1 2; do
    until [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "${ports[$i]}" ping 2>/dev/null)" = PONG ]; do
      [ "$SECONDS" -lt "$deadline" ] || die "redis-cluster-$i did not answer PING within 30s:
$(tail -n 30 "$STATE_DIR/redis-cluster-$i/redis.log" 2>/dev/null)"
      sleep 0.1
    done
  done
  # The nodes remember their cluster in nodes.conf, but without persistence a restart empties it: create it again.
  if [ "$fresh" = 1 ] || [ "$(cluster_state)" != ok ]; then
    for i in 0 1 2; do timeout 5 redis-cli -h 127.0.0.1 -p "${ports[$i]}" cluster reset hard >/dev/null 2>&1 || true; done
    redis-cli --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
      --cluster-replicas 0 --cluster-yes >"$STATE_DIR/redis-cluster-0/create.log" 2>&1 \
      || die "redis-cli --cluster create failed: $(tail -n 20 "$STATE_DIR/redis-cluster-0/create.log")"
  fi
  until [ "$(cluster_state)" = ok ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "the Redis Cluster did not reach cluster_state:ok within 30s"
    sleep 0.2
  done
  log "redis cluster ready on $(cluster_nodes) ($((SECONDS - t0))s)"
}

stop_cluster() { # SIGNAL TIMEOUT
  local i
  for i in 0 1 2; do stop_one "redis-cluster-$i" "$1" "$2"; done
}

# --------------------------------------------------------------------------- commands

targets() { # ARG -> list of services
  case "${1:-all}" in
    all) echo "redis cluster kafka" ;;
    kafka | redis | cluster) echo "$1" ;;
    *) log "unknown service '$1' (kafka|redis|cluster|all)"; exit 2 ;;
  esac
}

cmd_install() {
  install_redis
  install_prometheus
  install_alertmanager
  install_kafka
  need_keytool
  log "installed: redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'), $(promtool --version 2>&1 | head -n1), $(prometheus-alertmanager --version 2>&1 | head -n1), kafka $KAFKA_VERSION in $KAFKA_LIBS"
}

cmd_start() {
  local svc list
  list=$(targets "${1:-all}")
  lock_state
  # install first (before choosing ports), so a failed install leaves nothing half-made
  for svc in $list; do "install_$svc"; done
  # the tests' own tools (run by the tests, not started here): `npm test` on a fresh machine needs nothing else
  if [ "${1:-all}" = all ]; then install_prometheus; install_alertmanager; fi
  ensure_state
  if [[ " $list " == *" cluster "* ]]; then
    ensure_cluster_ports
    (umask 077 && env_lines >"$ENV_FILE.tmp") && mv "$ENV_FILE.tmp" "$ENV_FILE"
  fi
  for svc in $list; do "start_$svc"; done
}

cmd_stop() { # SIGNAL SERVICE
  local sig=$1 svc list
  list=$(targets "${2:-all}")
  [ -d "$STATE_DIR" ] || { log "nothing to stop ($STATE_DIR does not exist)"; return 0; }
  lock_state
  for svc in $list; do
    if [ "$svc" = cluster ]; then stop_cluster "$sig" 10
    elif [ "$sig" = KILL ]; then stop_one "$svc" KILL 10
    elif [ "$svc" = kafka ]; then stop_one kafka TERM "$STOP_TIMEOUT"
    else stop_one "$svc" TERM 10; fi
  done
}

cmd_env() {
  load_conf || die "no state in $STATE_DIR; run 'scripts/local-services.sh start' first"
  env_lines
}

cmd_status() {
  local svc pid all=0
  if ! load_conf; then
    echo "not initialised (state dir $STATE_DIR)"
    return 3
  fi
  if [ -s "$CLUSTER_CONF" ]; then
    # shellcheck disable=SC1090
    . "$CLUSTER_CONF"
    echo "redis cluster: state $(cluster_state || true) on $(cluster_nodes)"
    for svc in 0 1 2; do running_pid "redis-cluster-$svc" >/dev/null || all=3; done
  else
    echo "redis cluster: not initialised"
    all=3
  fi
  for svc in kafka redis; do
    if pid=$(running_pid "$svc"); then
      case $svc in
        kafka) echo "kafka: running (pid $pid) plaintext 127.0.0.1:$KAFKA_PORT sasl_plaintext 127.0.0.1:$KAFKA_SASL_PORT sasl_ssl 127.0.0.1:${KAFKA_SASL_SSL_PORT:-none}, version $KAFKA_VERSION" ;;
        redis) echo "redis: running (pid $pid) redis://127.0.0.1:$REDIS_PORT" ;;
      esac
    else
      echo "$svc: stopped"
      all=3
    fi
  done
  echo "state dir: $STATE_DIR"
  return $all
}

cmd_clean() {
  [ -d "$STATE_DIR" ] || { log "nothing to clean"; return 0; }
  case "$STATE_DIR" in / | "$REPO_DIR" | "${HOME:-/}" | "$SCRIPT_DIR") die "refusing to delete $STATE_DIR" ;; esac
  if [ ! -e "$OWNER_MARKER" ] && [ -n "$(find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -print -quit)" ]; then
    die "refusing to delete $STATE_DIR: not created by local-services.sh"
  fi
  cmd_stop TERM all
  exec 9>&-
  rm -rf "$STATE_DIR"
  log "removed $STATE_DIR"
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  [ $# -le 1 ] || { usage >&2; exit 2; }
  case "$cmd" in
    install) cmd_install ;;
    start) cmd_start "${1:-all}" ;;
    stop) cmd_stop TERM "${1:-all}" ;;
    kill) cmd_stop KILL "${1:-all}" ;;
    restart) cmd_stop TERM "${1:-all}"; cmd_start "${1:-all}" ;;
    env) cmd_env ;;
    status) cmd_status ;;
    clean) cmd_clean ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
