#!/usr/bin/env bash
# Compiles the ESP-IDF parts of the firmware (firmware/main, firmware/ports/baton_port_espidf,
# and the portable core as an ESP-IDF component) against REAL ESP-IDF headers, one ESP-IDF
# version after another, with a cross compiler in -fsyntax-only mode. Not run in CI (it
# needs ESP-IDF source trees, which CI cannot download); firmware/README.md says which
# versions were checked with it, and how.
#
#   scripts/firmware-idf-check.sh [--websocket DIR]... [--target esp32|esp32c3]... IDF_DIR...
#
#   IDF_DIR      an ESP-IDF source tree (a checkout of a release tag: its components/ and
#                tools/cmake/ are read; nothing of it is built)
#   --websocket  the esp_websocket_client component directory (from the esp-protocols
#                repository, components/esp_websocket_client) to compile against; repeat
#                for several versions. Required: the port includes its header.
#   --target     esp32 (Xtensa, default) and/or esp32c3 (RISC-V); default: both
#   --newlib     a source tree of Espressif's newlib (the espressif/newlib-esp32 repository,
#                e.g. tag esp-4.3.0_20240322): its headers are what ESP-IDF's toolchains
#                ship. Without it Debian's newlib 3.3 headers (libnewlib-dev) are used, which
#                ESP-IDF >= 5.1's platform headers contradict (_global_impure_ptr).
#   --quiet      print only the summary and the errors
#
# How each source is compiled, as `idf.py build` would compile it:
#   - include path: the component's own INCLUDE_DIRS/PRIV_INCLUDE_DIRS, then the public
#     INCLUDE_DIRS of every component it REQUIRES / PRIV_REQUIRES, of the dependencies in its
#     idf_component.yml, and of ESP-IDF's common requirements, following public requirements
#     transitively (scripts/firmware-idf-check/components.cmake evaluates every component's
#     CMakeLists.txt of that ESP-IDF version to find them). A header of a component that is
#     not required is not found, as on the real build.
#   - sdkconfig.h: generated, minimal: the defaults of the project's own Kconfig files, the
#     SoC capabilities of the target (soc_caps.h, as ESP-IDF's Kconfig.soc_caps.in does), and
#     the handful of ESP-IDF options the included headers need (below).
#   - compiler: xtensa-lx106-elf-gcc for esp32 (Debian's Xtensa GCC 12; the ESP32's own
#     xtensa-esp32-elf toolchain cannot be installed here), riscv64-unknown-elf-gcc
#     -march=rv32imc -mabi=ilp32 for esp32c3, newlib's headers from libnewlib-dev;
#     -std=gnu17 -Wall -Wextra -Werror -fsyntax-only, ESP_PLATFORM defined as ESP-IDF does.
#   - four configurations: the default (TLS with the certificate bundle), a custom CA
#     (BATON_TLS_CUSTOM_CA), plain http only (BATON_TLS_NONE), and production (OTA rollback and
#     NVS encryption on).
#
# Each ESP-IDF version is also compared with the range the manifests declare
# (`idf:` in main/, the port's and baton_core's idf_component.yml): the script fails when a
# version inside the declared range does not compile, and says so when one outside does.
#
# Needs: cmake (≥ 3.16), gcc-xtensa-lx106, gcc-riscv64-unknown-elf, libnewlib-dev
#   apt-get install -y cmake gcc-xtensa-lx106 gcc-riscv64-unknown-elf libnewlib-dev
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fw="$repo_root/firmware"
helper="$repo_root/scripts/firmware-idf-check/components.cmake"

websockets=()
newlib_src=""
targets=()
idf_dirs=()
quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --websocket) websockets+=("$(cd "$2" && pwd)") || exit 2; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    --newlib) newlib_src="$(cd "$2" && pwd)" || exit 2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) idf_dirs+=("$(cd "$1" && pwd)") || exit 2; shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(esp32 esp32c3)
if [ ${#idf_dirs[@]} -eq 0 ] || [ ${#websockets[@]} -eq 0 ]; then
  echo "usage: $0 --websocket ESP_WEBSOCKET_CLIENT_DIR [--websocket …] [--target esp32|esp32c3] IDF_DIR..." >&2
  exit 2
fi

newlib_include=/usr/include/newlib
declare -A compiler=([esp32]=xtensa-lx106-elf-gcc [esp32c3]=riscv64-unknown-elf-gcc)
declare -A arch=([esp32]=xtensa [esp32c3]=riscv)
declare -A arch_flags=([esp32]="-mlongcalls" [esp32c3]="-march=rv32imc_zicsr_zifencei -mabi=ilp32")
for t in "${targets[@]}"; do
  [ -n "${compiler[$t]:-}" ] || { echo "unsupported target $t (esp32, esp32c3)" >&2; exit 2; }
  command -v "${compiler[$t]}" >/dev/null || {
    echo "${compiler[$t]} is missing: apt-get install -y gcc-xtensa-lx106 gcc-riscv64-unknown-elf libnewlib-dev" >&2; exit 2; }
done
command -v cmake >/dev/null || { echo "cmake is missing" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/baton-idf-check.XXXXXX")"
[ -n "${BATON_IDF_CHECK_KEEP:-}" ] && echo "work dir: $work" || trap 'rm -rf "$work"' EXIT

# newlib's installed headers, per architecture, as a toolchain's sysroot has them: libc/include,
# the architecture's sys/ headers over it, and newlib.h / _newlib_version.h configured as
# Espressif's toolchains configure newlib (retargetable locking, small reent, C99 formats).
declare -A libc_include=()
for t in "${targets[@]}"; do
  if [ -z "$newlib_src" ]; then
    [ -f "$newlib_include/stdlib.h" ] || { echo "newlib headers missing: apt-get install -y libnewlib-dev, or pass --newlib" >&2; exit 2; }
    libc_include[$t]="$newlib_include"
    continue
  fi
  root="$newlib_src/newlib"
  [ -d "$root/libc/include" ] || { echo "$newlib_src is not a newlib source tree (no newlib/libc/include)" >&2; exit 2; }
  inc="$work/newlib-$t"
  mkdir -p "$inc"
  cp -r "$root/libc/include/." "$inc/"
  [ -d "$root/libc/machine/${arch[$t]}/sys" ] && cp -r "$root/libc/machine/${arch[$t]}/sys/." "$inc/sys/"
  [ -d "$root/libc/machine/${arch[$t]}/include" ] && cp -r "$root/libc/machine/${arch[$t]}/include/." "$inc/"
  version="$(sed -nE 's/.*AC_INIT\(\[newlib\],[^0-9]*([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$root/configure.ac" 2>/dev/null | head -1)"
  version="${version:-4.3.0}"
  cat >"$inc/_newlib_version.h" <<EOF
#ifndef _NEWLIB_VERSION_H__
#define _NEWLIB_VERSION_H__ 1
#define _NEWLIB_VERSION "$version"
#define __NEWLIB__ ${version%%.*}
#define __NEWLIB_MINOR__ $(echo "$version" | cut -d. -f2)
#define __NEWLIB_PATCHLEVEL__ ${version##*.}
#endif
EOF
  cat >"$inc/newlib.h" <<'EOF'
#ifndef __NEWLIB_H__
#define __NEWLIB_H__ 1
#include <_newlib_version.h>
#define _ATEXIT_DYNAMIC_ALLOC 1
#define _FSEEK_OPTIMIZATION 1
#define _FVWRITE_IN_STREAMIO 1
#define _HAVE_CC_INHIBIT_LOOP_TO_LIBCALL 1
#define _HAVE_INITFINI_ARRAY 1
#define _LDBL_EQ_DBL 1
#define _MB_LEN_MAX 1
#define _REENT_CHECK_VERIFY 1
#define _RETARGETABLE_LOCKING 1
#define _UNBUF_STREAM_OPT 1
#define _WANT_IO_C99_FORMATS 1
#define _WANT_IO_LONG_LONG 1
#define _WANT_IO_POS_ARGS 1
#define _WANT_REENT_SMALL 1
#define _WANT_REGISTER_FINI 1
#define _WIDE_ORIENT 1
#endif
EOF
  libc_include[$t]="$inc"
done

say() { [ "$quiet" = 1 ] || echo "$@"; }

# ---------------------------------------------------------------- the declared IDF range
# The `idf:` constraint of a manifest (`idf: ">=5.0,<6.1"` or `idf:\n  version: "…"`).
manifest_idf_range() {
  awk '
    /^dependencies:/ { in_deps = 1; next }
    in_deps && /^[^ #]/ { in_deps = 0 }
    in_deps && /^  idf:/ {
      line = $0; sub(/^  idf:[ ]*/, "", line); gsub(/["\x27]/, "", line)
      if (line != "") { print line; exit }
      want = 1; next
    }
    want && /^    version:/ { line = $0; sub(/^    version:[ ]*/, "", line); gsub(/["\x27]/, "", line); print line; exit }
  ' "$1"
}
declared=""
for manifest in "$fw/main/idf_component.yml" "$fw/ports/baton_port_espidf/idf_component.yml" \
                "$fw/components/baton_core/idf_component.yml"; do
  [ -f "$manifest" ] || { echo "missing manifest $manifest" >&2; exit 1; }
  range="$(manifest_idf_range "$manifest")"
  [ -n "$range" ] || { echo "$manifest declares no idf version" >&2; exit 1; }
  if [ -z "$declared" ]; then declared="$range"
  elif [ "$range" != "$declared" ]; then
    echo "the manifests disagree on the ESP-IDF range: '$declared' vs '$range' ($manifest)" >&2; exit 1
  fi
done

version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; }
# in_range VERSION "CLAUSE,CLAUSE": >=, >, <=, <, == clauses (the component manager's syntax).
in_range() {
  local v="$1" clause op bound
  IFS=',' read -ra clauses <<<"$2"
  for clause in "${clauses[@]}"; do
    clause="${clause// /}"
    op="${clause%%[0-9]*}"; bound="${clause#"$op"}"
    case "$op" in
      '>=') version_le "$bound" "$v" || return 1 ;;
      '>') version_le "$v" "$bound" && return 1 ;;
      '<=') version_le "$v" "$bound" || return 1 ;;
      '<') version_le "$bound" "$v" && return 1 ;;
      '=='|'') [ "$v" = "$bound" ] || return 1 ;;
      *) echo "cannot read the version clause '$clause'" >&2; return 1 ;;
    esac
  done
  return 0
}

# Dependencies the component manager adds from a manifest: "component:public|private:dep".
manifest_requires() {
  local owner="$1" file="$2"
  awk -v owner="$owner" '
    function flush() { if (dep != "" && dep != "idf" && req != "no") print owner ":" req ":" dep }
    /^dependencies:/ { in_deps = 1; next }
    in_deps && /^[^ #]/ { flush(); dep = ""; in_deps = 0 }
    in_deps && /^  [^ #][^:]*:/ {
      flush(); dep = $0; sub(/^  /, "", dep); sub(/:.*/, "", dep); gsub(/["\x27]/, "", dep)
      req = (owner == "main") ? "public" : "private"  # main: every dependency is public
      next
    }
    in_deps && /^    require:/ { r = $0; sub(/^    require:[ ]*/, "", r); gsub(/["\x27 ]/, "", r); req = r }
    in_deps && /^    public:[ ]*true/ { req = "public" }
    END { flush() }
  ' "$file"
}

# ---------------------------------------------------------------- the generated sdkconfig
# Defaults of a Kconfig file: "NAME=VALUE" (VALUE: y, a number, or a "string"). Choices set
# their default to y; `depends on` with plain symbols joined by && is honoured.
kconfig_defaults() {
  awk -v known="$2" '
    BEGIN { n = split(known, kv, "\n"); for (i = 1; i <= n; i++) if (kv[i] != "") { split(kv[i], p, "="); val[p[1]] = substr(kv[i], length(p[1]) + 2) } }
    function deps_ok(expr,   parts, k, s, neg) {
      if (expr == "") return 1
      gsub(/[()]/, "", expr)
      if (expr ~ /\|\|/) return 1
      k = split(expr, parts, /&&/)
      for (i2 = 1; i2 <= k; i2++) {
        s = parts[i2]; gsub(/ /, "", s); neg = 0
        if (substr(s, 1, 1) == "!") { neg = 1; s = substr(s, 2) }
        if (((("CONFIG_" s) in val) && val["CONFIG_" s] != "n") == neg) return 0
      }
      return 1
    }
    function emit() {
      if (sym != "" && deps_ok(dep) && def != "") {
        if (type == "bool" && def == "n") { sym = ""; return }
        if (type == "bool" && def != "y") { if (("CONFIG_" def) in val && val["CONFIG_" def] != "n") def = "y"; else { sym = ""; return } }
        val["CONFIG_" sym] = def; print "CONFIG_" sym "=" def
      }
      sym = ""
    }
    /^[ \t]*(menu)?config[ \t]/ { emit(); sym = $2; type = ""; def = ""; dep = choice_dep; next }
    /^[ \t]*choice/ { emit(); in_choice = 1; choice_default = ""; choice_dep = ""; next }
    /^[ \t]*endchoice/ { emit(); if (choice_default != "" && deps_ok(choice_dep)) { val["CONFIG_" choice_default] = "y"; print "CONFIG_" choice_default "=y" } in_choice = 0; choice_dep = ""; next }
    /^[ \t]*(endmenu|menu |if |endif|comment )/ { emit(); next }
    /^[ \t]*(bool|int|hex|string)/ { if (sym != "") type = $1; next }
    /^[ \t]*depends on/ { line = $0; sub(/^[ \t]*depends on[ \t]*/, "", line); if (sym != "") dep = (dep == "" ? line : dep " && " line); else if (in_choice) choice_dep = line; next }
    /^[ \t]*default[ \t]/ {
      line = $0; sub(/^[ \t]*default[ \t]+/, "", line)
      if (line ~ / if /) next
      if (sym != "" && def == "") def = line
      else if (sym == "" && in_choice && choice_default == "") choice_default = line
      next
    }
    END { emit() }
  ' "$1"
}

# The ESP-IDF options the headers included by main/ and the port read (everything else
# keeps the header's own fallback). Values are ESP-IDF's defaults.
base_config() {
  local target="$1" target_upper arch_upper
  target_upper="$(echo "$target" | tr a-z A-Z)"
  arch_upper="$(echo "${arch[$target]}" | tr a-z A-Z)"
  cat <<EOF
CONFIG_IDF_TARGET="$target"
CONFIG_IDF_TARGET_$target_upper=y
CONFIG_IDF_TARGET_ARCH="${arch[$target]}"
CONFIG_IDF_TARGET_ARCH_$arch_upper=y
CONFIG_IDF_FIRMWARE_CHIP_ID=0x0000
CONFIG_APP_BUILD_TYPE_APP_2NDBOOT=y
CONFIG_FREERTOS_HZ=100
CONFIG_FREERTOS_MAX_TASK_NAME_LEN=16
CONFIG_FREERTOS_THREAD_LOCAL_STORAGE_POINTERS=1
CONFIG_FREERTOS_TASK_NOTIFICATION_ARRAY_ENTRIES=1
CONFIG_FREERTOS_IDLE_TASK_STACKSIZE=1536
CONFIG_FREERTOS_ISR_STACKSIZE=1536
CONFIG_FREERTOS_TIMER_TASK_PRIORITY=1
CONFIG_FREERTOS_TIMER_TASK_STACK_DEPTH=2048
CONFIG_FREERTOS_TIMER_QUEUE_LENGTH=10
CONFIG_FREERTOS_QUEUE_REGISTRY_SIZE=0
CONFIG_FREERTOS_SUPPORT_STATIC_ALLOCATION=y
CONFIG_FREERTOS_CHECK_STACKOVERFLOW_CANARY=y
CONFIG_FREERTOS_INTERRUPT_BACKTRACE=y
CONFIG_FREERTOS_TLSP_DELETION_CALLBACKS=y
CONFIG_FREERTOS_ENABLE_BACKWARD_COMPATIBILITY=y
CONFIG_FREERTOS_NO_AFFINITY=0x7FFFFFFF
CONFIG_FREERTOS_PORT=y
CONFIG_FREERTOS_USE_TIMERS=y
CONFIG_FREERTOS_TIMER_SERVICE_TASK_CORE_AFFINITY=0x7FFFFFFF
CONFIG_FREERTOS_TIMER_SERVICE_TASK_NAME="Tmr Svc"
CONFIG_FREERTOS_TIMER_TASK_NO_AFFINITY=y
CONFIG_FREERTOS_CORETIMER_0=y
CONFIG_FREERTOS_SYSTICK_USES_CCOUNT=y
CONFIG_FREERTOS_TICK_SUPPORT_CORETIMER=y
CONFIG_FREERTOS_DEBUG_OCDAWARE=y
CONFIG_FREERTOS_ISR_STATS=
CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ=160
CONFIG_ESP32_DEFAULT_CPU_FREQ_MHZ=160
CONFIG_ESP_SYSTEM_CHECK_INT_LEVEL_4=y
CONFIG_ESP_MAIN_TASK_STACK_SIZE=8192
CONFIG_ESP_TIMER_TASK_STACK_SIZE=3584
CONFIG_LOG_DEFAULT_LEVEL=3
CONFIG_LOG_MAXIMUM_LEVEL=3
CONFIG_LOG_DEFAULT_LEVEL_INFO=y
CONFIG_LOG_MAXIMUM_EQUALS_DEFAULT=y
CONFIG_LOG_TIMESTAMP_SOURCE_RTOS=y
CONFIG_LOG_VERSION_1=y
CONFIG_LOG_VERSION=1
CONFIG_LOG_TAG_LEVEL_IMPL_CACHE_AND_LINKED_LIST=y
CONFIG_LOG_MODE_TEXT_EN=y
CONFIG_LOG_MODE_TEXT=y
CONFIG_LOG_COLORS=
CONFIG_ESP_WIFI_ENABLED=y
CONFIG_ESP_PHY_ENABLED=y
CONFIG_ESP_WIFI_STATIC_RX_BUFFER_NUM=10
CONFIG_ESP_WIFI_DYNAMIC_RX_BUFFER_NUM=32
CONFIG_ESP_WIFI_DYNAMIC_TX_BUFFER=y
CONFIG_ESP_WIFI_TX_BUFFER_TYPE=1
CONFIG_ESP_WIFI_DYNAMIC_TX_BUFFER_NUM=32
CONFIG_ESP_WIFI_STATIC_RX_MGMT_BUFFER=y
CONFIG_ESP_WIFI_DYNAMIC_RX_MGMT_BUF=0
CONFIG_ESP_WIFI_RX_MGMT_BUF_NUM_DEF=5
CONFIG_ESP_WIFI_AMPDU_TX_ENABLED=y
CONFIG_ESP_WIFI_TX_BA_WIN=6
CONFIG_ESP_WIFI_AMPDU_RX_ENABLED=y
CONFIG_ESP_WIFI_RX_BA_WIN=6
CONFIG_ESP_WIFI_NVS_ENABLED=y
CONFIG_ESP_WIFI_TASK_PINNED_TO_CORE_0=y
CONFIG_ESP_WIFI_SOFTAP_BEACON_MAX_LEN=752
CONFIG_ESP_WIFI_MGMT_SBUF_NUM=32
CONFIG_ESP_WIFI_IRAM_OPT=y
CONFIG_ESP_WIFI_RX_IRAM_OPT=y
CONFIG_ESP_WIFI_ENABLE_WPA3_SAE=y
CONFIG_ESP_WIFI_ENABLE_SAE_PK=y
CONFIG_ESP_WIFI_SOFTAP_SAE_SUPPORT=y
CONFIG_ESP_WIFI_ENABLE_WPA3_OWE_STA=y
CONFIG_ESP_WIFI_SOFTAP_SUPPORT=y
CONFIG_ESP_WIFI_ESPNOW_MAX_ENCRYPT_NUM=7
CONFIG_ESP_WIFI_TX_HETB_QUEUE_NUM=3
CONFIG_ESP_PHY_CALIBRATION_AND_DATA_STORAGE=y
CONFIG_ESP_COEX_ENABLED=y
CONFIG_ESP32_WIFI_STATIC_RX_BUFFER_NUM=10
CONFIG_ESP32_WIFI_DYNAMIC_RX_BUFFER_NUM=32
CONFIG_ESP32_WIFI_TX_BUFFER_TYPE=1
CONFIG_ESP32_WIFI_DYNAMIC_TX_BUFFER_NUM=32
CONFIG_ESP32_WIFI_AMPDU_TX_ENABLED=y
CONFIG_ESP32_WIFI_TX_BA_WIN=6
CONFIG_ESP32_WIFI_AMPDU_RX_ENABLED=y
CONFIG_ESP32_WIFI_RX_BA_WIN=6
CONFIG_ESP32_WIFI_NVS_ENABLED=y
CONFIG_ESP32_WIFI_SOFTAP_BEACON_MAX_LEN=752
CONFIG_ESP32_WIFI_MGMT_SBUF_NUM=32
CONFIG_ESP32_WIFI_IRAM_OPT=y
CONFIG_ESP32_WIFI_RX_IRAM_OPT=y
CONFIG_ESP32_WIFI_ENABLE_WPA3_SAE=y
CONFIG_LWIP_ENABLE=y
CONFIG_LWIP_IPV4=y
CONFIG_LWIP_IPV6=y
CONFIG_LWIP_MAX_SOCKETS=10
CONFIG_LWIP_SO_REUSE=y
CONFIG_LWIP_SO_REUSE_RXTOALL=y
CONFIG_LWIP_TCPIP_TASK_STACK_SIZE=3072
CONFIG_LWIP_TCPIP_RECVMBOX_SIZE=32
CONFIG_LWIP_TCP_MSS=1440
CONFIG_LWIP_TCP_SND_BUF_DEFAULT=5760
CONFIG_LWIP_TCP_WND_DEFAULT=5760
CONFIG_LWIP_TCP_RECVMBOX_SIZE=6
CONFIG_LWIP_TCP_ACCEPTMBOX_SIZE=6
CONFIG_LWIP_TCP_QUEUE_OOSEQ=y
CONFIG_LWIP_TCP_OVERSIZE_MSS=y
CONFIG_LWIP_TCP_MAXRTX=12
CONFIG_LWIP_TCP_SYNMAXRTX=12
CONFIG_LWIP_TCP_TMR_INTERVAL=250
CONFIG_LWIP_TCP_MSL=60000
CONFIG_LWIP_TCP_FIN_WAIT_TIMEOUT=20000
CONFIG_LWIP_TCP_RTO_TIME=1500
CONFIG_LWIP_MAX_ACTIVE_TCP=16
CONFIG_LWIP_MAX_LISTENING_TCP=16
CONFIG_LWIP_MAX_UDP_PCBS=16
CONFIG_LWIP_UDP_RECVMBOX_SIZE=6
CONFIG_LWIP_MAX_RAW_PCBS=16
CONFIG_LWIP_DHCP_DOES_ARP_CHECK=y
CONFIG_LWIP_DHCP_OPTIONS_LEN=68
CONFIG_LWIP_DHCP_COARSE_TIMER_SECS=1
CONFIG_LWIP_DHCPS=y
CONFIG_LWIP_DHCPS_LEASE_UNIT=60
CONFIG_LWIP_DHCPS_MAX_STATION_NUM=8
CONFIG_LWIP_IP4_FRAG=y
CONFIG_LWIP_IP6_FRAG=y
CONFIG_LWIP_IP_DEFAULT_TTL=64
CONFIG_LWIP_IPV6_NUM_ADDRESSES=3
CONFIG_LWIP_IPV6_ND6_NUM_NEIGHBORS=5
CONFIG_LWIP_IPV6_ND6_NUM_PREFIXES=5
CONFIG_LWIP_IPV6_ND6_NUM_ROUTERS=3
CONFIG_LWIP_IPV6_ND6_NUM_DESTINATIONS=10
CONFIG_LWIP_ESP_GRATUITOUS_ARP=y
CONFIG_LWIP_GARP_TMR_INTERVAL=60
CONFIG_LWIP_ESP_MLDV6_REPORT=y
CONFIG_LWIP_MLDV6_TMR_INTERVAL=40
CONFIG_LWIP_LOCAL_HOSTNAME="espressif"
CONFIG_LWIP_TIMERS_ONDEMAND=y
CONFIG_LWIP_ICMP=y
CONFIG_LWIP_LOOPBACK_MAX_PBUFS=8
CONFIG_LWIP_NETIF_LOOPBACK=y
CONFIG_LWIP_DNS_MAX_SERVERS=3
CONFIG_LWIP_DNS_MAX_HOST_IP=1
CONFIG_LWIP_SNTP_MAX_SERVERS=1
CONFIG_LWIP_SNTP_UPDATE_DELAY=3600000
CONFIG_LWIP_SNTP_MAXIMUM_STARTUP_DELAY=5000
CONFIG_LWIP_BRIDGEIF_MAX_PORTS=7
CONFIG_LWIP_ESP_LWIP_ASSERT=y
CONFIG_LWIP_HOOK_TCP_ISN_DEFAULT=y
CONFIG_LWIP_HOOK_IP6_ROUTE_NONE=y
CONFIG_LWIP_HOOK_ND6_GET_GW_NONE=y
CONFIG_LWIP_HOOK_IP6_SELECT_SRC_ADDR_NONE=y
CONFIG_LWIP_HOOK_NETCONN_EXT_RESOLVE_NONE=y
CONFIG_LWIP_HOOK_IP6_INPUT_NONE=y
CONFIG_LWIP_HOOK_DHCP_EXTRA_OPTION_NONE=y
CONFIG_LWIP_HOOK_DNS_EXT_RESOLVE_NONE=y
CONFIG_LWIP_HOOK_IP4_INPUT_NONE=y
CONFIG_LWIP_TCPIP_TASK_AFFINITY_NO_AFFINITY=y
CONFIG_LWIP_TCPIP_TASK_AFFINITY=0x7FFFFFFF
CONFIG_LWIP_TCPIP_TASK_PRIO=18
CONFIG_LWIP_TCPIP_CORE_LOCKING=
CONFIG_LWIP_CHECK_THREAD_SAFETY=
CONFIG_LWIP_SOCKET_OFFSET=0
CONFIG_LWIP_ND6=y
CONFIG_LWIP_DHCP_RESTORE_LAST_IP=
CONFIG_LWIP_IPV6_AUTOCONFIG=
CONFIG_LWIP_MAX_SOCKETS=10
CONFIG_LWIP_USE_ONLY_LWIP_SELECT=
CONFIG_LWIP_SO_RCVBUF=
CONFIG_LWIP_DHCP_GET_NTP_SRV=
CONFIG_VFS_SUPPORT_IO=y
CONFIG_VFS_SUPPORT_DIR=y
CONFIG_VFS_SUPPORT_SELECT=y
CONFIG_VFS_SUPPORT_TERMIOS=y
CONFIG_ESP_TLS_USING_MBEDTLS=y
CONFIG_ESP_TLS_USE_DS_PERIPHERAL=
CONFIG_ESP_HTTP_CLIENT_ENABLE_HTTPS=y
CONFIG_WS_TRANSPORT=y
CONFIG_WS_BUFFER_SIZE=1024
CONFIG_MBEDTLS_CERTIFICATE_BUNDLE=y
CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_DEFAULT_FULL=y
CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_MAX_CERTS=200
CONFIG_MBEDTLS_TLS_CLIENT=y
CONFIG_MBEDTLS_TLS_ENABLED=y
CONFIG_MBEDTLS_SSL_PROTO_TLS1_2=y
CONFIG_MBEDTLS_HARDWARE_AES=y
CONFIG_MBEDTLS_HARDWARE_MPI=y
CONFIG_MBEDTLS_HARDWARE_SHA=y
CONFIG_MBEDTLS_ROM_MD5=y
CONFIG_MBEDTLS_HAVE_TIME=y
CONFIG_MBEDTLS_ECP_C=y
CONFIG_MBEDTLS_ECDH_C=y
CONFIG_MBEDTLS_ECDSA_C=y
CONFIG_MBEDTLS_PEM_PARSE_C=y
CONFIG_MBEDTLS_PEM_WRITE_C=y
CONFIG_MBEDTLS_X509_CRL_PARSE_C=y
CONFIG_MBEDTLS_X509_CSR_PARSE_C=y
CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN=16384
CONFIG_MBEDTLS_SSL_OUT_CONTENT_LEN=4096
CONFIG_MBEDTLS_INTERNAL_MEM_ALLOC=y
CONFIG_NVS_ENCRYPTION=
CONFIG_SPI_FLASH_ROM_DRIVER_PATCH=y
CONFIG_ESP_ROM_HAS_CRC_LE=y
CONFIG_ESP_ERR_TO_NAME_LOOKUP=y
CONFIG_ESP_EVENT_POST_FROM_ISR=y
CONFIG_ESP_EVENT_POST_FROM_IRAM_ISR=y
CONFIG_ESP_NETIF_TCPIP_LWIP=y
CONFIG_ESP_NETIF_USES_TCPIP_WITH_BSD_API=y
CONFIG_ESP_NETIF_IP_LOST_TIMER_INTERVAL=120
CONFIG_ESP_NETIF_REPORT_DATA_TRAFFIC=
CONFIG_ESP_INT_WDT=y
CONFIG_ESP_TASK_WDT_EN=y
CONFIG_ESP_SYSTEM_EVENT_TASK_STACK_SIZE=2304
CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE=32
CONFIG_ESP_CONSOLE_UART_DEFAULT=y
CONFIG_ESP_CONSOLE_UART=y
CONFIG_ESP_CONSOLE_UART_NUM=0
CONFIG_ESP_CONSOLE_UART_BAUDRATE=115200
CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF=y
CONFIG_NEWLIB_STDIN_LINE_ENDING_CR=y
CONFIG_LIBC_NEWLIB=y
CONFIG_LIBC_STDOUT_LINE_ENDING_CRLF=y
CONFIG_LIBC_STDIN_LINE_ENDING_CR=y
CONFIG_PTHREAD_TASK_PRIO_DEFAULT=5
CONFIG_PTHREAD_TASK_STACK_SIZE_DEFAULT=3072
CONFIG_PTHREAD_STACK_MIN=768
CONFIG_PTHREAD_TASK_CORE_DEFAULT=-1
CONFIG_PTHREAD_TASK_NAME_DEFAULT="pthread"
CONFIG_HAL_ASSERTION_EQUALS_SYSTEM=y
CONFIG_HAL_DEFAULT_ASSERTION_LEVEL=2
CONFIG_COMPILER_OPTIMIZATION_ASSERTIONS_ENABLE=y
CONFIG_COMPILER_OPTIMIZATION_ASSERTION_LEVEL=2
CONFIG_COMPILER_FLOAT_LIB_FROM_GCCLIB=y
CONFIG_COMPILER_STACK_CHECK_MODE_NONE=y
CONFIG_COMPILER_ORPHAN_SECTIONS_WARNING=
CONFIG_PARTITION_TABLE_OFFSET=0x8000
CONFIG_ESPTOOLPY_FLASHSIZE="4MB"
EOF
  if [ "$target" = esp32 ]; then
    cat <<EOF
CONFIG_FREERTOS_NUMBER_OF_CORES=2
CONFIG_SOC_CPU_CORES_NUM=2
CONFIG_ESP32_REV_MIN_0=y
CONFIG_ESP32_REV_MIN_FULL=0
CONFIG_ESP_REV_MIN_FULL=0
CONFIG_ESP32_REV_MAX_FULL=399
CONFIG_ESP_REV_MAX_FULL=399
CONFIG_XTAL_FREQ_40=y
CONFIG_XTAL_FREQ=40
CONFIG_ESP32_XTAL_FREQ_40=y
CONFIG_ESP32_XTAL_FREQ=40
CONFIG_ESP32_DEFAULT_CPU_FREQ_160=y
CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_160=y
CONFIG_ESP32_TRACEMEM_RESERVE_DRAM=0x0
CONFIG_ESP_SYSTEM_SINGLE_CORE_MODE=
CONFIG_ESP_IPC_TASK_STACK_SIZE=1024
CONFIG_ESP_IPC_USES_CALLERS_PRIORITY=y
CONFIG_ESP_IPC_ISR_ENABLE=y
CONFIG_ESP_TIMER_IMPL_TG0_LAC=y
EOF
  else
    cat <<EOF
CONFIG_FREERTOS_UNICORE=y
CONFIG_FREERTOS_NUMBER_OF_CORES=1
CONFIG_ESP_SYSTEM_SINGLE_CORE_MODE=y
CONFIG_ESP32C3_REV_MIN_3=y
CONFIG_ESP32C3_REV_MIN_FULL=3
CONFIG_ESP_REV_MIN_FULL=3
CONFIG_ESP32C3_REV_MAX_FULL=199
CONFIG_ESP_REV_MAX_FULL=199
CONFIG_XTAL_FREQ_40=y
CONFIG_XTAL_FREQ=40
CONFIG_ESP32C3_DEFAULT_CPU_FREQ_160=y
CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_160=y
CONFIG_ESP_SYSTEM_HW_STACK_GUARD=y
CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG_ENABLED=y
CONFIG_ESP_CONSOLE_SECONDARY_USB_SERIAL_JTAG=y
CONFIG_ESP_TIMER_IMPL_SYSTIMER=y
EOF
  fi
}

# SOC_* capabilities of the target as CONFIG_SOC_* (what Kconfig.soc_caps.in gives the build).
soc_caps() {
  local caps="$1/components/soc/$2/include/soc/soc_caps.h"
  [ -f "$caps" ] || return 0
  sed -nE 's/^#define[ \t]+(SOC_[A-Za-z0-9_]+)[ \t]+\(?([0-9]+|0x[0-9A-Fa-f]+|true)\)?[ \t]*(\/.*)?$/CONFIG_\1=\2/p' "$caps" |
    sed -E 's/=(1|true)$/=y/' | grep -vE '=(0|false)$'
}

# Writes sdkconfig.h and sdkconfig.cmake from NAME=VALUE lines (later lines win; an empty
# value removes the option).
write_config() {
  local lines="$1" dir="$2"
  mkdir -p "$dir"
  printf '%s\n' "$lines" | awk -F= -v h="$dir/sdkconfig.h" -v c="$dir/sdkconfig.cmake" '
    /^CONFIG_[A-Za-z0-9_]+=/ { name = $1; v = substr($0, length(name) + 2); if (!(name in val)) order[++n] = name; val[name] = v }
    END {
      print "/* Generated by scripts/firmware-idf-check.sh: a minimal sdkconfig.h. */" > h
      print "#pragma once" >> h
      for (i = 1; i <= n; i++) {
        name = order[i]; v = val[name]
        if (v == "" || v == "n") continue
        if (v == "y") { print "#define " name " 1" >> h; print "set(" name " \"y\")" >> c }
        else { print "#define " name " " v >> h; gsub(/"/, "", v); print "set(" name " \"" v "\")" >> c }
      }
    }'
}

project_kconfig_defaults() {
  local known="$1" f out=""
  for f in "$fw/components/baton_core/Kconfig" "$fw/ports/baton_port_espidf/Kconfig" "$fw/main/Kconfig.projbuild"; do
    [ -f "$f" ] || continue
    out+="$(kconfig_defaults "$f" "$known$out")"$'\n'
  done
  printf '%s' "$out"
}

# ---------------------------------------------------------------- compile
declare -A variants=(
  [default]=""
  [custom-ca]=$'CONFIG_BATON_TLS_CRT_BUNDLE=\nCONFIG_BATON_TLS_CUSTOM_CA=y\nCONFIG_BATON_TLS_CA_PEM_FILE="certs/baton-ca.pem"'
  [plain-http]=$'CONFIG_BATON_TLS_CRT_BUNDLE=\nCONFIG_BATON_TLS_NONE=y'
  # sdkconfig.defaults (rollback) + sdkconfig.defaults.production (NVS encryption): the OTA and
  # encrypted-NVS branches of main/ (issue 23).
  [production]=$'CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y\nCONFIG_NVS_ENCRYPTION=y'
)
variant_order=(default custom-ca plain-http production)

check_components=(baton_core baton_scale baton_port_espidf main)
declare -A sources=(
  [baton_core]="$(ls "$fw"/components/baton_core/src/*.c)"
  [baton_scale]="$(ls "$fw"/components/baton_scale/src/*.c)"
  [baton_port_espidf]="$(ls "$fw"/ports/baton_port_espidf/src/*.c)"
  [main]="$(ls "$fw"/main/*.c)"
)
manifest_reqs=()
while IFS= read -r line; do [ -n "$line" ] && manifest_reqs+=("$line"); done < <(
  manifest_requires main "$fw/main/idf_component.yml"
  manifest_requires baton_port_espidf "$fw/ports/baton_port_espidf/idf_component.yml"
  manifest_requires baton_core "$fw/components/baton_core/idf_component.yml")

summary=()
failed_in_range=0
run=0
for idf in "${idf_dirs[@]}"; do
  version_h="$idf/components/esp_common/include/esp_idf_version.h"
  [ -f "$version_h" ] || { echo "$idf is not an ESP-IDF tree (no $version_h)" >&2; exit 2; }
  idf_version="$(awk '/#define ESP_IDF_VERSION_(MAJOR|MINOR|PATCH) /{v = v (v == "" ? "" : ".") $3} END{print v}' "$version_h")"
  if in_range "$idf_version" "$declared"; then range_note="in the declared range"; else range_note="OUTSIDE the declared range"; fi
  # The C standard and warning options ESP-IDF's build.cmake gives every component.
  c_std="$(grep -oE '"-std=gnu[0-9x]+"' "$idf/tools/cmake/build.cmake" | grep -v '++' | head -1 | tr -d '"')"
  c_std="${c_std:--std=gnu17}"
  [ "$c_std" = -std=gnu23 ] && c_std=-std=gnu2x # GCC 12 knows C23 by its draft name
  idf_warnings="$(awk '/list\(APPEND compile_options +"-ffunction-sections"/ { on = 1 }
                       on { while (match($0, /"-W[^"]*"/)) { printf "%s ", substr($0, RSTART + 1, RLENGTH - 2); $0 = substr($0, RSTART + RLENGTH) } }
                       on && /\)[ \t]*$/ { exit }' "$idf/tools/cmake/build.cmake")"
  [ -n "$idf_warnings" ] || { echo "cannot read ESP-IDF's warning options from $idf/tools/cmake/build.cmake" >&2; exit 2; }
  for ws in "${websockets[@]}"; do
    ws_version="$(sed -nE 's/^version: *"?([^"]+)"?/\1/p' "$ws/idf_component.yml" 2>/dev/null | head -1)"
    for target in "${targets[@]}"; do
      for variant in "${variant_order[@]}"; do
        # The TLS variants once per target and ESP-IDF version (with the first websocket client).
        if [ "$variant" != default ] && [ "$ws" != "${websockets[0]}" ]; then continue; fi
        run=$((run + 1))
        dir="$work/$run"
        label="ESP-IDF $idf_version, esp_websocket_client ${ws_version:-?}, $target, $variant"
        known="$(base_config "$target"; soc_caps "$idf" "$target")"
        config="$known"$'\n'"$(project_kconfig_defaults "$known")"$'\n'"${variants[$variant]}"
        # sdkconfig.defaults.esp32c3 puts the console on USB Serial/JTAG: the production variant
        # compiles the provisioning console's branch for it (main/app_console.c).
        if [ "$variant" = production ] && [ "$target" = esp32c3 ]; then
          config+=$'\nCONFIG_ESP_CONSOLE_UART_DEFAULT=\nCONFIG_ESP_CONSOLE_UART=\nCONFIG_ESP_CONSOLE_USB_SERIAL_JTAG=y'
        fi
        write_config "$config" "$dir/config"
        # The managed component is named esp_websocket_client whatever its directory is called.
        mkdir -p "$dir/managed" && ln -s "$ws" "$dir/managed/esp_websocket_client"
        component_dirs="$fw/components/baton_core;$fw/components/baton_scale;$fw/ports/baton_port_espidf;$fw/main;$dir/managed/esp_websocket_client"
        if ! cmake -DIDF_PATH="$idf" -DIDF_TARGET="$target" -DIDF_TARGET_ARCH="${arch[$target]}" \
             -DCOMPONENT_DIRS="$component_dirs" -DMANIFEST_REQUIRES="$(IFS=';'; echo "${manifest_reqs[*]}")" \
             -DCONFIG_FILE="$dir/config/sdkconfig.cmake" -DCHECK_COMPONENTS="$(IFS=';'; echo "${check_components[*]}")" \
             -DOUT_DIR="$dir/inc" -P "$helper" >"$dir/cmake.log" 2>&1; then
          echo "FAIL  $label: resolving components"; sed 's/^/      /' "$dir/cmake.log"
          summary+=("FAIL  $label ($range_note)"); in_range "$idf_version" "$declared" && failed_in_range=1
          continue
        fi
        ok=1
        for component in "${check_components[@]}"; do
          flags=(-fsyntax-only "$c_std" ${idf_warnings} -DESP_PLATFORM -DIDF_VER="\"v$idf_version\""
                 -D_GNU_SOURCE -D_POSIX_READER_WRITER_LOCKS ${arch_flags[$target]} -I"$dir/config")
          # The core's own CMakeLists.txt adds these (PRIVATE) on ESP-IDF too.
          { [ "$component" = baton_core ] || [ "$component" = baton_scale ]; } && flags+=(-Wall -Wextra -Werror)
          while IFS= read -r inc; do [ -n "$inc" ] && flags+=(-I"$inc"); done <"$dir/inc/$component.inc"
          flags+=(-isystem "${libc_include[$target]}")
          for src in ${sources[$component]}; do
            if ! "${compiler[$target]}" "${flags[@]}" "$src" >"$dir/cc.log" 2>&1; then
              ok=0
              echo "FAIL  $label: ${src#"$repo_root/"}"
              sed 's/^/      /' "$dir/cc.log" | head -40
            elif [ -s "$dir/cc.log" ]; then
              echo "warn  $label: ${src#"$repo_root/"}"
              sed 's/^/      /' "$dir/cc.log" | head -40
            fi
          done
        done
        if [ "$ok" = 1 ]; then
          say "ok    $label"
          summary+=("ok    $label ($range_note)")
        else
          summary+=("FAIL  $label ($range_note)")
          in_range "$idf_version" "$declared" && failed_in_range=1
        fi
      done
    done
  done
done

echo
echo "declared ESP-IDF range (idf_component.yml): $declared"
printf '%s\n' "${summary[@]}"
if [ "$failed_in_range" = 1 ]; then
  echo "FAILED: a version inside the declared range does not compile" >&2
  exit 1
fi
