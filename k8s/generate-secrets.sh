#!/usr/bin/env bash
# Generates every secret a deployment of k8s/ needs, as Secret manifests in a directory outside git
# (k8s/secrets/ by default, ignored by git, mode 700), the federation's public keys as a ConfigMap
# beside them, and renders the realm import from identity/realm. Nothing here is ever committed; the
# manifests in k8s/ name these Secrets and that ConfigMap only.
#
#   k8s/generate-secrets.sh [--nations KOR,JPN,USA] [--out DIR] [--namespace NS]
#                           [--console-url https://allied.example] [--keycloak-host keycloak.allied.example]
#                           [--external-postgres HOST] [--external-redis HOST]
#                           [--peer-key NATION=FILE]...
#   kubectl apply -f k8s/secrets/secrets.yaml -f k8s/secrets/federation-keys.yaml
#   kubectl apply -k k8s/overlays/<overlay>
#
# federation-keys.yaml is the ConfigMap allied-federation-keys: each nation's public verification key
# (<NATION>.pem, the public half of its binding key) and hotline-peer-keys.yaml, which maps every one
# to allied.hotline.peer-keys.<NATION> for the hotline nodes; the gateways verify bindings with the
# same files. Public keys only: it may be handed to the other nations' operators as it is. A nation
# whose key is made elsewhere (another site's cluster) comes in with --peer-key NATION=FILE, the PEM
# public key its operators published.
#
# Made: the federation's CA (its key stays in DIR/pki, never in a Secret), the gateway's client
# certificate (CN allied-gateway, the only client the backends answer) and a server certificate per
# backend and for Keycloak; each nation's binding key (its exchange service's and hotline node's) and
# the audit service's checkpoint key; each hotline node's client secret (the realm's too); the
# console's login-cookie key shared by every gateway replica; a Redis ACL user per component; a
# PostgreSQL owner and service role per database; Keycloak's admin, its database login, and every
# ${ALLIED_...} placeholder of the realm (client secrets, people's passwords, the console's URL).
# Run it again to rotate everything (the in-cluster PostgreSQL keeps the roles' first passwords).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
nations=KOR,JPN,USA
out="$here/secrets"
namespace=allied-exchange
console_url=https://allied.example
keycloak_host=keycloak.allied.example
external_postgres=
external_redis=
peer_keys=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    --nations) nations=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --namespace) namespace=$2; shift 2 ;;
    --console-url) console_url=$2; shift 2 ;;
    --keycloak-host) keycloak_host=$2; shift 2 ;;
    --external-postgres) external_postgres=$2; shift 2 ;;
    --external-redis) external_redis=$2; shift 2 ;;
    --peer-key) peer_keys+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (--help)" >&2; exit 2 ;;
  esac
done
command -v openssl >/dev/null || { echo "generate-secrets.sh needs openssl" >&2; exit 1; }
command -v java >/dev/null || { echo "generate-secrets.sh needs java (17+) to render the realm import" >&2; exit 1; }
[[ "$nations" =~ ^[A-Z]{3}(,[A-Z]{3})*$ ]] || { echo "--nations: ISO 3166-1 alpha-3 codes, comma-separated" >&2; exit 2; }
for pair in ${peer_keys[@]+"${peer_keys[@]}"}; do
  peer=${pair%%=*} file=${pair#*=}
  [[ "$pair" == *=* && "$peer" =~ ^[A-Z]{3}$ ]] || { echo "--peer-key $pair: NATION=FILE, NATION an ISO 3166-1 alpha-3 code" >&2; exit 2; }
  [[ ",$nations," != *",$peer,"* ]] || { echo "--peer-key $peer: its key is generated here (--nations)" >&2; exit 2; }
  # a public key only: a private key here would be published in a ConfigMap
  if grep -q 'PRIVATE KEY' "$file" 2>/dev/null || ! openssl pkey -pubin -in "$file" -noout 2>/dev/null; then
    echo "--peer-key $peer: $file is not a PEM public key" >&2; exit 2
  fi
done

umask 077
mkdir -p "$out/pki"
chmod 700 "$out"
manifest="$out/secrets.yaml"
: > "$manifest"

random() { openssl rand -base64 48 | tr -dc 'A-Za-z0-9' | head -c 32; }
indent() { sed 's/^/    /'; }

# secret NAME [TYPE] KEY=FILE_OR_@VALUE...: a Secret with stringData, appended to the manifest
secret() {
  local name=$1 type=Opaque; shift
  if [[ "$1" == type=* ]]; then type=${1#type=}; shift; fi
  {
    echo "---"
    echo "apiVersion: v1"
    echo "kind: Secret"
    echo "metadata:"
    echo "  name: $name"
    echo "  namespace: $namespace"
    echo "  labels:"
    echo "    app.kubernetes.io/part-of: allied-exchange"
    echo "type: $type"
    echo "stringData:"
    for pair in "$@"; do
      local key=${pair%%=*} value=${pair#*=}
      # a file keeps its final newline (a key's public half must match what the service would write);
      # a value has none (it becomes an environment variable)
      if [[ "$value" == @* && -n "$(tail -c 1 "${value#@}")" ]]; then
        echo "  $key: |-"
        indent < "${value#@}"
        echo
      elif [[ "$value" == @* ]]; then
        echo "  $key: |"
        indent < "${value#@}"
      else
        echo "  $key: |-"
        printf '%s\n' "$value" | indent
      fi
    done
  } >> "$manifest"
}

# --- the federation's CA and the certificates for mutual TLS -------------------------------------
pki="$out/pki"
if [[ ! -f "$pki/ca.key" ]]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$pki/ca.key" -sha256 -days 1825 -subj "/CN=Allied Exchange federation CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ca.crt"
fi

# issue NAME USE(client|server) DNS...: a P-256 key (PKCS#8) and a certificate from the CA
issue() {
  local name=$1 use=$2; shift 2
  local san="DNS:$name" dns
  for dns in "$@"; do san="$san,DNS:$dns"; done
  local eku=serverAuth
  [[ "$use" == client ]] && eku=clientAuth
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "/CN=$name" -out "$pki/$name.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$eku" "$san" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 397 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}
service_names() { echo "$1.$namespace.svc" "$1.$namespace.svc.cluster.local"; }

issue allied-gateway client
secret gateway-tls "tls.crt=@$pki/allied-gateway.crt" "tls.key=@$pki/allied-gateway.key" "ca.crt=@$pki/ca.crt"
issue audit-service server $(service_names audit-service)
secret audit-service-tls "tls.crt=@$pki/audit-service.crt" "tls.key=@$pki/audit-service.key" "ca.crt=@$pki/ca.crt"
issue keycloak server "$keycloak_host" keycloak-service $(service_names keycloak-service)
secret keycloak-tls type=kubernetes.io/tls "tls.crt=@$pki/keycloak.crt" "tls.key=@$pki/keycloak.key"

# --- signing keys: one PEM with both halves (NationalKey's format), the public half beside -------
# key_pair FILE: an EC P-256 PKCS#8 PRIVATE KEY followed by its PUBLIC KEY, and FILE.pub.pem
key_pair() {
  local file=$1
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$file.private" 2>/dev/null
  openssl pkey -in "$file.private" -pubout -out "${file%.pem}.pub.pem"
  cat "$file.private" "${file%.pem}.pub.pem" > "$file"
  rm -f "$file.private"
}
key_pair "$out/checkpoint-key.pem"
secret audit-service-checkpoint-key "checkpoint-key.pem=@$out/checkpoint-key.pem" \
  "checkpoint-key.pub.pem=@$out/checkpoint-key.pub.pem"

# --- the console's login cookie: one AES-256 key for every gateway replica ----------------------
secret gateway-console-login-key "login-key=$(openssl rand -base64 32)"

# --- stores: connection details and passwords ---------------------------------------------------
pg_host=${external_postgres:-postgres}
pg_params=""
[[ -n "$external_postgres" ]] && pg_params="?sslmode=verify-full"
redis_scheme=redis redis_host=${external_redis:-redis}
[[ -n "$external_redis" ]] && redis_scheme=rediss
mkdir -p "$out/postgres-roles"
rm -f "$out/postgres-roles"/*
acl="$out/users.acl"
echo "user default off resetkeys resetchannels -@all" > "$acl"

# redis_user NAME RULES: an ACL user with a new password; prints the password
redis_user() {
  local password; password=$(random)
  local hash; hash=$(printf '%s' "$password" | openssl dgst -sha256 -r | cut -d' ' -f1)
  echo "user $1 on #$hash resetkeys resetchannels $2" >> "$acl"
  printf '%s' "$password"
}
redis_url() { echo "$redis_scheme://$1:$2@$redis_host:6379"; }

# database DB SERVICE_SECRET: the owner and service roles of DB, and the service's Secret
database() {
  local db=$1 name=$2 owner service
  owner=$(random) service=$(random)
  printf '%s' "$owner" > "$out/postgres-roles/$db.owner"
  printf '%s' "$service" > "$out/postgres-roles/$db.service"
  secret "$name" "url=jdbc:postgresql://$pg_host:5432/$db$pg_params" \
    "username=${db}_service" "password=$service" \
    "migration-username=${db}_owner" "migration-password=$owner"
}

# each writer of the audit stream appends only to its own key (AuditWriter in audit-stream): the
# gateways to allied:audit, a nation's exchange service and hotline node to allied:audit:exchange:<N>
# and allied:audit:hotline:<N>, Keycloak's listener to allied:audit:identity; the audit service reads
# them all and stores from each only what its writer may record
gateway_redis=$(redis_user gateway "~allied:audit ~allied:agreements ~allied:agreements:version ~allied:rate:* ~allied:identity-changes ~allied:product-versions -@all +xadd +xrange +get +hget +hgetall +hset +incr +incrby +pexpire +eval +evalsha +ping +wait")
secret gateway-redis "url=$(redis_url gateway "$gateway_redis")"
audit_redis=$(redis_user audit "~allied:audit ~allied:audit:* -@all +xgroup|create +xreadgroup +xautoclaim +xack +xadd +ping")
secret audit-service-redis "url=$(redis_url audit "$audit_redis")"
listener_redis=$(redis_user identity-listener "~allied:audit:identity ~allied:identity-changes -@all +xadd +ping")
secret keycloak-redis "url=$(redis_url identity-listener "$listener_redis")"
database audit audit-service-db

declare -A hotline_secret
for nation in ${nations//,/ }; do
  n=$(echo "$nation" | tr 'A-Z' 'a-z')
  issue "exchange-service-$n" server $(service_names "exchange-service-$n")
  secret "exchange-service-$n-tls" "tls.crt=@$pki/exchange-service-$n.crt" \
    "tls.key=@$pki/exchange-service-$n.key" "ca.crt=@$pki/ca.crt"
  key_pair "$out/signing-key-$n.pem"
  secret "exchange-service-$n-signing-key" "signing-key.pem=@$out/signing-key-$n.pem" \
    "signing-key.pub.pem=@$out/signing-key-$n.pub.pem"
  password=$(redis_user "exchange-$n" "~allied:audit:exchange:$nation ~allied:agreements ~allied:agreements:version -@all +xadd +get +hgetall +ping +wait")
  secret "exchange-service-$n-redis" "url=$(redis_url "exchange-$n" "$password")"
  database "exchange_$n" "exchange-service-$n-db"
  # the nation's hotline node: its own certificate, Redis user, database and system identity (it
  # signs with the exchange service's key above)
  issue "hotline-service-$n" server $(service_names "hotline-service-$n")
  secret "hotline-service-$n-tls" "tls.crt=@$pki/hotline-service-$n.crt" \
    "tls.key=@$pki/hotline-service-$n.key" "ca.crt=@$pki/ca.crt"
  password=$(redis_user "hotline-$n" "~allied:audit:hotline:$nation ~allied:agreements ~allied:agreements:version -@all +xadd +get +hgetall +ping +wait")
  secret "hotline-service-$n-redis" "url=$(redis_url "hotline-$n" "$password")"
  database "hotline_$n" "hotline-service-$n-db"
  # the same value fills the realm's ALLIED_SECRET_<NATION>_HOTLINE below
  hotline_secret[$nation]=$(random)
  secret "hotline-service-$n-relay-client" "client-secret=${hotline_secret[$nation]}"
done

# --- the federation's public keys: a ConfigMap, nothing secret in it ---------------------------
# every nation's public verification key, as <NATION>.pem, and the hotline nodes' peer-keys map
public_keys="$out/public-keys"
rm -rf "$public_keys"
mkdir -p "$public_keys"
for nation in ${nations//,/ }; do
  cp "$out/signing-key-$(echo "$nation" | tr 'A-Z' 'a-z').pub.pem" "$public_keys/$nation.pem"
done
for pair in ${peer_keys[@]+"${peer_keys[@]}"}; do
  openssl pkey -pubin -in "${pair#*=}" -out "$public_keys/${pair%%=*}.pem"
done
{
  echo "# the hotline node's allied.hotline.peer-keys (SPRING_CONFIG_ADDITIONAL_LOCATION); its own"
  echo "# nation's entry is never used"
  echo "allied:"
  echo "  hotline:"
  echo "    peer-keys:"
  for file in "$public_keys"/*.pem; do
    echo "      $(basename "$file" .pem): /etc/allied/federation-keys/$(basename "$file")"
  done
} > "$public_keys/hotline-peer-keys.yaml"
keys_manifest="$out/federation-keys.yaml"
{
  echo "# the federation's public keys (generate-secrets.sh): nothing secret; share it with the peers"
  echo "apiVersion: v1"
  echo "kind: ConfigMap"
  echo "metadata:"
  echo "  name: allied-federation-keys"
  echo "  namespace: $namespace"
  echo "  labels:"
  echo "    app.kubernetes.io/part-of: allied-exchange"
  echo "data:"
  for file in "$public_keys"/*; do
    echo "  $(basename "$file"): |"
    indent < "$file"
  done
} > "$keys_manifest"
chmod 644 "$keys_manifest"

keycloak_db=$(random)
printf '%s' "$keycloak_db" > "$out/postgres-roles/keycloak.owner"
secret keycloak-db "username=keycloak_owner" "password=$keycloak_db"

if [[ -z "$external_redis" ]]; then
  secret redis-acl "users.acl=@$acl"
fi
if [[ -z "$external_postgres" ]]; then
  secret postgres-superuser "password=$(random)"
  roles=()
  for file in "$out/postgres-roles"/*; do roles+=("$(basename "$file")=@$file"); done
  secret postgres-roles "${roles[@]}"
fi

# --- Keycloak: its first admin, and the realm's placeholders -------------------------------------
secret keycloak-bootstrap-admin "username=admin" "password=$(random)"
placeholders=()
for name in $(grep -o '\${ALLIED_[A-Z0-9_]*}' "$root/identity/realm/allied-realm.json" | sort -u | tr -d '${}'); do
  case "$name" in
    ALLIED_CONSOLE_URL) placeholders+=("$name=$console_url") ;;
    ALLIED_SECRET_???_HOTLINE)
      nation=${name#ALLIED_SECRET_}; nation=${nation%_HOTLINE}
      placeholders+=("$name=${hotline_secret[$nation]:-$(random)}") ;;
    *) placeholders+=("$name=$(random)") ;;
  esac
done
secret keycloak-realm "${placeholders[@]}"

# the realm import, rendered from identity/realm (the build renders the same file before its tests)
java "$here/src/main/java/org/alliedexchange/k8s/RealmImportRenderer.java" \
  "$root/identity/realm/allied-realm.json" "$here/components/keycloak/realm-import.yaml" >/dev/null

echo "wrote $manifest ($(grep -c '^kind: Secret' "$manifest") Secrets) and $out/pki (the CA's key: keep it offline)"
echo "wrote $keys_manifest (the public keys of $(cd "$public_keys" && ls -- *.pem | sed 's/\.pem$//' | paste -sd, -): nothing secret)"
echo "rendered $here/components/keycloak/realm-import.yaml from identity/realm"
echo "next: kubectl apply -f $manifest -f $keys_manifest && kubectl apply -k $here/overlays/<trilateral|single-nation|production>"
if [[ -n "$external_redis" ]]; then
  echo "external Redis: load $acl into it (its ACL users; the default user off)"
fi
if [[ -n "$external_postgres" ]]; then
  echo "external PostgreSQL: create the roles and databases named in $out/postgres-roles (as create-databases.sh does)"
fi
