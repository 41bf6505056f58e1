/*
 * weir plugin ABI, version 1.6 (1.1 added: WEIR_OUTCOME_RETRY, weir_result.delay_ms;
 * 1.2 added: WEIR_OUTCOME_CURSOR, weir_result.cursor, weir_message.cursor;
 * 1.3 added: WEIR_OUTCOME_PREREQUISITE, weir_result.prerequisite_*;
 * 1.4 added: weir_host_api.http, weir_http_request, weir_http_response, weir_app_type,
 * weir_plugin.app_types/app_type_count, weir_node_type.app_type;
 * 1.5 added: weir_host_api.id_get, id_find, id_put: the ID map;
 * 1.6 added: weir_host_api.app_settings).
 * Plain C: the only contract between the weir
 * host and a plugin (.so). A plugin never links against the host; everything
 * it may ask of the host arrives as function pointers in weir_host_api.
 *
 * Versioning
 *   - The host calls weir_plugin_entry() and reads abi_major/abi_minor
 *     before anything else. It refuses a plugin whose major differs from its
 *     own, or whose minor is newer than its own.
 *   - Every struct starts with `struct_size` (sizeof as the writer compiled
 *     it) and only ever grows at the end. A reader never touches a field at
 *     or beyond the writer's struct_size; WEIR_HAS_FIELD() tests that.
 *   - Arrays of structs are passed as arrays of pointers, so a struct that
 *     grew does not change the stride.
 *
 * Ownership (names say who owns what)
 *   - Everything the plugin hands out from weir_plugin_entry() (descriptor,
 *     node types, strings) is plugin-owned, static, and must stay valid and
 *     unchanged until the library is unloaded.
 *   - weir_node_instance is plugin-owned: made by create(), freed by
 *     destroy(). The host never looks inside it.
 *   - weir_host and weir_call are host-owned and opaque. weir_host lives
 *     from create() until destroy() returns. weir_call lives only during one
 *     process() call and must not be kept.
 *   - Every buffer the host passes in (weir_bytes, weir_str, messages) is
 *     borrowed for the duration of the call it was passed to. Every buffer a
 *     plugin passes to a host callback is copied by the host before the
 *     callback returns; the plugin keeps ownership.
 *
 * Threads
 *   - weir_plugin_entry(), validate_config(), create() and destroy() are
 *     called by the host's management work (loading plugins and topologies
 *     at start, and each hot reload while it runs; never a worker thread),
 *     one at a time, never concurrently. Across reloads that may be a
 *     different thread each time: keep no thread-local state between them.
 *   - process() is called on host worker threads. For one instance, up to
 *     the node's configured `concurrency` calls may run at the same time (on
 *     different threads); an instance used with concurrency > 1 must be
 *     thread-safe. destroy() is never called while a process() call on that
 *     instance runs.
 *   - host_api->log may be called from any thread while the instance lives.
 *     The weir_call callbacks (emit, finish, state_*, http, id_*) may only be called from
 *     the thread running the process() call the weir_call was passed to.
 *
 * Errors
 *   - No C++ exception, longjmp or C++ type may cross this boundary. The C++
 *     SDK (weir.hpp) turns an exception thrown in a node into a FAILED result
 *     carrying the exception's text.
 */
#ifndef WEIR_ABI_H
#define WEIR_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEIR_ABI_MAJOR 1
#define WEIR_ABI_MINOR 6

/* How deeply maps and arrays may nest in any document the host accepts: a
 * payload, headers, state, a webhook body, a control request. The host never
 * hands a plugin a deeper one, and refuses (fails the message) a deeper one a
 * plugin emits. Decoders may therefore recurse this far and no further. */
#define WEIR_MAX_NESTING 256

/* The one symbol a weir plugin exports. */
#define WEIR_PLUGIN_ENTRY_SYMBOL "weir_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define WEIR_EXPORT __attribute__((visibility("default")))
#else
#define WEIR_EXPORT
#endif

/* True when a struct written with `struct_size` includes `field`. */
#define WEIR_HAS_FIELD(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- opaque handles --------------------------------------------------- */

typedef struct weir_node_instance weir_node_instance; /* plugin-owned */
typedef struct weir_host weir_host;                   /* host-owned, per instance */
typedef struct weir_call weir_call;                   /* host-owned, per process() call */

/* ---- plain data ------------------------------------------------------- */

/* A borrowed byte range. */
typedef struct weir_bytes {
  const uint8_t* data;
  size_t size;
} weir_bytes;

/* A borrowed UTF-8 string; not necessarily NUL-terminated. */
typedef struct weir_str {
  const char* data;
  size_t size;
} weir_str;

typedef enum weir_log_level {
  WEIR_LOG_TRACE = 0,
  WEIR_LOG_DEBUG = 1,
  WEIR_LOG_INFO = 2,
  WEIR_LOG_WARN = 3,
  WEIR_LOG_ERROR = 4
} weir_log_level;

/* What a node type is for (shown to users; the host treats them alike today). */
typedef enum weir_node_kind {
  WEIR_NODE_TRIGGER = 1,   /* starts processes (cron, webhook, manual) */
  WEIR_NODE_CONNECTOR = 2, /* calls an application (shop, ERP) */
  WEIR_NODE_BATCH = 3,     /* pages through a source, emits many */
  WEIR_NODE_CUSTOM = 4     /* pure transformation */
} weir_node_kind;

/* The outcome of one input message. New outcomes are added at the end. */
typedef enum weir_outcome {
  /* Outputs go to every follower. A message finished with SUCCESS and no
   * emitted output passes its input payload on unchanged. */
  WEIR_OUTCOME_SUCCESS = 1,
  /* Like SUCCESS, but only to the followers named in weir_result.targets. */
  WEIR_OUTCOME_FORWARD = 2,
  /* The message is done; nothing goes on (emitted outputs are dropped). */
  WEIR_OUTCOME_STOP = 3,
  /* Failed for good: the message goes to the trash with weir_result.error. */
  WEIR_OUTCOME_FAILED = 4,
  /* (1.1) Not now: deliver this message again later (the ERP is down, the
   * shop answered 503). weir_result.error says why; weir_result.delay_ms,
   * if longer than the node's retry policy would wait (e.g. a Retry-After
   * header), sets the wait. Emitted outputs are dropped. After the policy's
   * max_attempts the message goes to the trash with every attempt's error. */
  WEIR_OUTCOME_RETRY = 5,
  /* (1.2) One page done, more to come (paging through 500,000 products):
   * emitted outputs go to every follower, and this message comes back to
   * this node with weir_message.cursor = weir_result.cursor. Each page is
   * committed on its own, so memory stays at one page and a crash resumes
   * from the last committed cursor. The last page answers SUCCESS. */
  WEIR_OUTCOME_CURSOR = 6,
  /* (1.3) Not before something else exists (a product whose category is
   * missing in the shop): the host starts a process of topology
   * weir_result.prerequisite_topology with weir_result.prerequisite_payload,
   * or joins the one still running for the same topology and
   * prerequisite_key (100 products of one missing category start one
   * process), parks this message and delivers it again (attempt + 1) when
   * that process completes. If that process ends with failures, this
   * message goes to the trash saying so. weir_result.error may say why
   * (shown in the trace). Emitted outputs are dropped. Counts against the
   * node's max_attempts like a retry. */
  WEIR_OUTCOME_PREREQUISITE = 7
} weir_outcome;

/* One input message, as the host hands it to process(). Host-owned,
 * borrowed for the call. */
typedef struct weir_message {
  size_t struct_size;
  uint64_t message_id;      /* unique per message (one node visit) */
  uint64_t process_id;      /* the process (one trigger firing) it belongs to */
  uint64_t parent_id;       /* message it was emitted from; 0 for a process's first */
  weir_str correlation_id;  /* caller-supplied or generated; same for a whole process */
  weir_str topology;        /* topology name */
  weir_str node_id;         /* node id within the topology */
  uint32_t attempt;         /* 1 on first delivery; grows on redelivery */
  weir_bytes headers;       /* msgpack map of string -> string (may be empty map) */
  weir_bytes payload;       /* msgpack document */
  weir_bytes cursor;        /* (1.2) where a paging node left off; empty on its first call */
} weir_message;

/* How one input message ended. Plugin-owned, copied by finish(). */
typedef struct weir_result {
  size_t struct_size;
  weir_outcome outcome;
  weir_str error;           /* FAILED: what went wrong (shown to operators) */
  const weir_str* targets;  /* FORWARD: follower node ids */
  size_t target_count;
  uint64_t delay_ms;        /* (1.1) RETRY: wait at least this long; 0 = the policy's */
  weir_bytes cursor;        /* (1.2) CURSOR: where to go on (opaque to the host, <= 64 KiB) */
  weir_str prerequisite_topology; /* (1.3) PREREQUISITE: the topology to run first */
  weir_bytes prerequisite_payload; /* (1.3) its payload (msgpack document) */
  weir_str prerequisite_key;      /* (1.3) one running process per topology and key; empty:
                                   * the payload's bytes are the key */
} weir_result;

/* ---- HTTP through an application (1.4) ----------------------------------- */

/* A request through the node's application (its `app:` in the topology).
 * Borrowed by the host for the call it is passed to. */
typedef struct weir_http_request {
  size_t struct_size;
  weir_str method;    /* "GET", "POST", "PUT", "DELETE", ... */
  weir_str target;    /* a path from the application's base_url ("products"),
                       * or an absolute URL inside it (to follow a Link header) */
  weir_bytes query;   /* msgpack map of string -> string, or empty */
  weir_bytes headers; /* msgpack map of string -> string, or empty; the host adds the
                       * application's authentication (a plugin never sees a secret) */
  weir_bytes body;
} weir_http_request;

/* The answer, borrowed by the sink for the duration of its call. */
typedef struct weir_http_response {
  size_t struct_size;
  int32_t status;         /* the HTTP status; 0: no answer, or nothing was sent (error) */
  weir_bytes headers;     /* msgpack map of string -> string, names in lower case */
  weir_bytes body;
  weir_str error;         /* why there is no answer ("timed out after 30000 ms", "...
                           * is outside its base_url", a missing secret); with a status, set
                           * only when the body was larger than the application's
                           * max_response and was not read (body is then empty) */
  int64_t retry_after_ms; /* from Retry-After (seconds or an HTTP date); -1: none */
  uint32_t retry_later;   /* 1: nothing was sent, for a reason that passes (the application's
                           * budget did not come in time, the host is stopping): retry the
                           * message later rather than fail it */
} weir_http_response;

/* ---- what the host offers ------------------------------------------------ */

/* Host-owned, static for the host's lifetime; passed to create(). */
typedef struct weir_host_api {
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;

  /* Writes one log line attributed to the node instance. Any thread. */
  void (*log)(weir_host* host, weir_log_level level, weir_str text);

  /* Adds an output for input `index` of this call. `headers` is a msgpack
   * map of string -> string, or empty (size 0) to inherit the input's
   * headers. Returns 0, or -1 if index is out of range, the message is
   * already finished, or payload is not one well-formed msgpack document
   * (nested at most WEIR_MAX_NESTING deep); a refused payload also fails
   * the message, saying why. */
  int (*emit)(weir_call* call, size_t index, weir_bytes payload, weir_bytes headers);

  /* Ends input `index` of this call with `result`. Every input must be
   * finished exactly once before process() returns; an input left
   * unfinished is failed by the host ("node did not finish message i").
   * Returns 0, or -1 if index is out of range or already finished. */
  int (*finish)(weir_call* call, size_t index, const weir_result* result);

  /* Per-topology key/value state. state_get calls sink(user, value) once if
   * the key exists and returns 1, returns 0 if it does not, -1 on error.
   * It sees this call's own puts, then committed state. state_put writes
   * are committed in the same transaction as this call's results: if the
   * host stops before that commit, they are lost together with the results
   * and the inputs are redelivered. Returns 0 or -1. */
  int (*state_get)(weir_call* call, weir_str key, void (*sink)(void* user, weir_bytes value),
                   void* user);
  int (*state_put)(weir_call* call, weir_str key, weir_bytes value);

  /* 1.4. Sends `request` through the node's application, with the host's
   * authentication, the application's limiter (a call may wait here for its
   * budget), timeouts and TLS; no redirect is followed. Calls sink(user,
   * response) exactly once, and returns 0 if the request was attempted
   * (status 0 with response->error when no answer came: a timeout, a refused
   * connection), -1 if it was not (the node names no application, a URL
   * outside it, a missing secret, a malformed request, or retry_later).
   * Only from the thread running the process() call. Check
   * WEIR_HAS_FIELD(api, weir_host_api, http) before using it on an older host. */
  int (*http)(weir_call* call, const weir_http_request* request,
              void (*sink)(void* user, const weir_http_response* response), void* user);

  /* 1.5. The ID map, shared by every topology of the host: which object of
   * another system an id of ours is. `system` names the other system (an
   * application's name, "shop"), `entity` the kind of object ("product",
   * "order"), `local_id` our id (the ERP's SKU or number), `remote_id`
   * theirs (the shop's product id). One remote id per local id and one
   * local id per remote id. Every id is UTF-8 text of 1 to 1024 bytes.
   *
   * id_get: the remote id of local_id; id_find: the local id of remote_id.
   * Each calls sink(user, id) once and returns 1 when there is one, returns
   * 0 when there is none, -1 on bad arguments or a store error. They see
   * this call's own puts first, then what is committed.
   *
   * id_put maps local_id to remote_id (replacing local_id's earlier
   * mapping); an empty remote_id forgets local_id's mapping. Like state_put
   * it is committed in the same transaction as this call's results: if the
   * host stops before that commit, it is lost with them and the inputs are
   * redelivered (so a create whose answer came just before a crash has no
   * mapping: look the object up by its natural key before creating again;
   * the C++ SDK's find_or_create does). Returns 0, or -1 on bad arguments
   * or when remote_id is mapped to another local id already (the plugin
   * decides: fail the message naming both, or forget the other first).
   * Only from the thread running the process() call. Check
   * WEIR_HAS_FIELD(api, weir_host_api, id_put) before using them. */
  int (*id_get)(weir_call* call, weir_str system, weir_str entity, weir_str local_id,
                void (*sink)(void* user, weir_str remote_id), void* user);
  int (*id_find)(weir_call* call, weir_str system, weir_str entity, weir_str remote_id,
                 void (*sink)(void* user, weir_str local_id), void* user);
  int (*id_put)(weir_call* call, weir_str system, weir_str entity, weir_str local_id,
                weir_str remote_id);

  /* 1.6. The `settings` of the node's application (its app file's
   * settings mapping, checked against the application type's schema) as
   * JSON text: what an application type leaves to each shop, such as
   * Magento's store code or MSI source. Read at each call, so an edited app
   * file counts from the next call on. Calls sink(user, json) once and
   * returns 1; returns 0 (no sink) when the node names no application, -1
   * when the application it names is not in effect. Settings hold no
   * secrets (those are in the app's auth, which plugins never see). Only
   * from the thread running the process() call. Check
   * WEIR_HAS_FIELD(api, weir_host_api, app_settings) before using it. */
  int (*app_settings)(weir_call* call, void (*sink)(void* user, weir_str json), void* user);
} weir_host_api;

/* ---- what a plugin offers ------------------------------------------------ */

/* Receives an error text (copied by the receiver before it returns). */
typedef void (*weir_error_sink)(void* user, weir_str text);

typedef struct weir_node_type {
  size_t struct_size;
  const char* name;          /* local name, [a-z0-9_-]+; used as "<plugin>.<name>" */
  weir_node_kind kind;
  const char* description;   /* one line for `weir plugins ls` */
  const char* config_schema; /* JSON Schema text for the node's config; NULL = any */
  uint32_t max_batch;        /* most inputs one process() call accepts; 0 means 1 */

  /* Optional (may be NULL). Checks a config beyond what the schema says.
   * Returns 0 if valid; otherwise reports each problem to `errors` and
   * returns -1. Must not do I/O. */
  int (*validate_config)(weir_str config_json, weir_error_sink errors, void* errors_user);

  /* Makes an instance for one node of one topology. `config_json` is the
   * node's config as JSON text (at least "{}"). `api` and `host` stay valid
   * until destroy() returns. Returns NULL after reporting why to `errors`. */
  weir_node_instance* (*create)(const weir_host_api* api, weir_host* host, weir_str config_json,
                                weir_error_sink errors, void* errors_user);

  void (*destroy)(weir_node_instance* instance);

  /* Handles `count` (1..max_batch) inputs. Results go out through
   * api->emit and api->finish with this `call`. */
  void (*process)(weir_node_instance* instance, weir_call* call,
                  const weir_message* const* messages, size_t count);

  /* (1.4) The application type a node of this type calls: its `app:` must
   * name an application of this type ("http", or "<plugin>.<app type>" such
   * as "woocommerce.shop"); NULL: any application, or none. */
  const char* app_type;
} weir_node_type;

/* (1.4) An application type: what `type:` in an application file names, as
 * "<plugin>.<name>". The host checks an application's `settings` against
 * settings_schema and makes the check request for `weir apps check`. */
typedef struct weir_app_type {
  size_t struct_size;
  const char* name;            /* local name, [a-z0-9_-]+ */
  const char* description;     /* one line for `weir plugins ls` */
  const char* settings_schema; /* JSON Schema text for the app's settings; NULL = any */
  const char* check_target;    /* the cheap authenticated GET of `weir apps check`, from
                                * base_url ("system_status"); NULL or "": base_url itself.
                                * An app's settings.check_path overrides it. */
} weir_app_type;

typedef struct weir_plugin {
  size_t struct_size;
  uint32_t abi_major; /* WEIR_ABI_MAJOR the plugin was built against */
  uint32_t abi_minor; /* WEIR_ABI_MINOR the plugin was built against */
  const char* name;   /* [a-z0-9_-]+, unique among loaded plugins */
  const char* version;
  const char* description;
  const weir_node_type* const* node_types;
  size_t node_type_count;
  const weir_app_type* const* app_types; /* (1.4) may be NULL when app_type_count is 0 */
  size_t app_type_count;
} weir_plugin;

/* The entry point: `WEIR_EXPORT const weir_plugin* weir_plugin_entry(void)`.
 * Called once per load, before anything else. Must not fail or do I/O. */
typedef const weir_plugin* (*weir_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WEIR_ABI_H */
