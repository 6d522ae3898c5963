<?php
/*
 * An OAuth 1.0a provider on PHP's PECL `oauth` extension (OAuthProvider), for oauthcore's
 * interop tests. Served by `php -S 127.0.0.1:PORT router.php`, started and stopped by
 * ../php_oauth.py, which also writes the state file named by OAUTHCORE_PHP_OAUTH_STATE.
 *
 * OAuthProvider verifies every signed request itself: it collects the parameters ($_GET,
 * $_POST and the Authorization header), rebuilds the signed URL from $_SERVER (HTTP_HOST as
 * sent, with its port, and REQUEST_URI), computes the base string and compares signatures.
 * This script only supplies the three lookups it calls back (consumer, token, timestamp and
 * nonce) and the endpoints' answers. OAuthProvider uses the secrets those lookups set as they
 * are, so they hand it each secret already encoded (RFC 5849 §3.4.2, §3.6).
 *
 * `php -S` starts every request with fresh PHP state, so clients, tokens and nonces live in a
 * JSON file, read and rewritten under an exclusive flock() held for the whole request.
 *
 * Endpoints:
 *   request_token  temporary credentials (RFC 5849 §2.1); oauth_callback is required.
 *   authorize      test-only: approves at once for the user named in the X-Test-User header;
 *                  302 to the callback with oauth_token and oauth_verifier, or 200 with a
 *                  form body for "oob" (§2.2).
 *   access_token   token credentials (§2.3); oauth_verifier is required.
 *   resource       a protected resource (§3): JSON with the user, the client key, the
 *                  signature method, the HTTP method and the non-protocol parameters of the
 *                  query and the form body as received, sorted.
 *   verbatim/request_token  request_token, but the client secret is handed to OAuthProvider
 *                  unencoded; it pins that OAuthProvider does not encode it (§3.4.2).
 *   ping           200 JSON {"oauth": true} once the extension is loaded (readiness).
 * A refused request gets OAuthProvider::reportProblem()'s answer: 400 or 401 with an OAuth
 * Problem Reporting body (oauth_problem=...; debug_sbs=... for a bad signature).
 */

declare(strict_types=1);

const STATE_VARIABLE = 'OAUTHCORE_PHP_OAUTH_STATE';
const TIMESTAMP_WINDOW = 600;
const LOOPBACK_CALLBACKS = ['http://127.0.0.1', 'http://localhost', 'http://[::1]'];
const FORM_TYPE = 'application/x-www-form-urlencoded';
const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE;

/** The provider's state file, locked from construction to close(). */
final class Store
{
    /** @var resource */
    private $handle;
    public array $data;

    public function __construct(string $path)
    {
        $handle = fopen($path, 'c+');
        if ($handle === false || !flock($handle, LOCK_EX)) {
            throw new RuntimeException('cannot open and lock the state file');
        }
        $this->handle = $handle;
        $text = stream_get_contents($handle);
        $data = json_decode($text === false || $text === '' ? '{}' : $text, true);
        $this->data = (is_array($data) ? $data : []) + [
            'clients' => [], 'temporary' => [], 'access' => [], 'nonces' => [],
        ];
    }

    public function save(): void
    {
        ftruncate($this->handle, 0);
        rewind($this->handle);
        fwrite($this->handle, json_encode($this->data, JSON_FLAGS));
        fflush($this->handle);
    }

    public function close(): void
    {
        flock($this->handle, LOCK_UN);
        fclose($this->handle);
    }
}

function new_token(string $prefix): string
{
    // A letter first: a PHP array key made only of digits would turn into an integer.
    return $prefix . bin2hex(OAuthProvider::generateToken(20));
}

function nonce_key(OAuthProvider $provider): string
{
    // RFC 5849 §3.3: a nonce is unique per (client, timestamp, token).
    $seen = [$provider->consumer_key, $provider->timestamp, $provider->nonce, $provider->token];
    return hash('sha256', serialize($seen));
}

function form_encode(array $pairs): string
{
    $parts = [];
    foreach ($pairs as $name => $value) {
        $parts[] = rawurlencode((string) $name) . '=' . rawurlencode((string) $value);
    }
    return implode('&', $parts);
}

/** Form-decode a query or a body, keeping every pair (PHP's $_GET keeps one per name). */
function form_pairs(string $text): array
{
    $pairs = [];
    foreach (explode('&', $text) as $part) {
        if ($part === '') {
            continue;
        }
        $name_value = explode('=', $part, 2);
        $pairs[] = [urldecode($name_value[0]), urldecode($name_value[1] ?? '')];
    }
    return $pairs;
}

function answer(int $status, string $type, string $body, array $headers = []): void
{
    http_response_code($status);
    header('Content-Type: ' . $type);
    foreach ($headers as $line) {
        header($line);
    }
    echo $body;
}

function answer_json(int $status, array $data, array $headers = []): void
{
    answer($status, 'application/json', json_encode($data, JSON_FLAGS), $headers);
}

/** An OAuthProvider with the three lookups over the store; $kind selects the token table. */
function make_provider(Store $store, string $kind, bool $verbatim = false): OAuthProvider
{
    $provider = new OAuthProvider();
    $provider->consumerHandler(function (OAuthProvider $provider) use ($store, $verbatim): int {
        $secret = $store->data['clients'][(string) $provider->consumer_key] ?? null;
        if (!is_string($secret)) {
            return OAUTH_CONSUMER_KEY_UNKNOWN;
        }
        // OAuthProvider keys its HMAC with "consumer_secret&token_secret" exactly as given (and
        // compares PLAINTEXT with it): the §3.6 encoding of each secret is the caller's job.
        $provider->consumer_secret = $verbatim ? $secret : oauth_urlencode($secret);
        return OAUTH_OK;
    });
    $provider->tokenHandler(function (OAuthProvider $provider) use ($store, $kind): int {
        $table = $kind === 'access_token' ? 'temporary' : 'access';
        $record = $store->data[$table][(string) $provider->token] ?? null;
        if (!is_array($record) || $record['client_key'] !== $provider->consumer_key) {
            return OAUTH_TOKEN_REJECTED;
        }
        if ($kind === 'access_token') {
            $verifier = $record['verifier'] ?? null;
            if (!is_string($verifier) || !hash_equals($verifier, (string) $provider->verifier)) {
                return OAUTH_VERIFIER_INVALID;
            }
        }
        $provider->token_secret = oauth_urlencode($record['secret']);
        return OAUTH_OK;
    });
    $provider->timestampNonceHandler(function (OAuthProvider $provider) use ($store): int {
        $timestamp = (string) $provider->timestamp;
        if (!ctype_digit($timestamp) || abs(time() - (int) $timestamp) > TIMESTAMP_WINDOW) {
            return OAUTH_BAD_TIMESTAMP;
        }
        // Only checked here: OAuthProvider calls this before it verifies the signature, so
        // the nonce is recorded once the whole request has verified (see verified()).
        return isset($store->data['nonces'][nonce_key($provider)]) ? OAUTH_BAD_NONCE : OAUTH_OK;
    });
    return $provider;
}

function verified(Store $store, OAuthProvider $provider): void
{
    // A nonce older than two timestamp windows can no longer come with an accepted timestamp.
    $now = time();
    $store->data['nonces'] = array_filter(
        $store->data['nonces'],
        fn (int $seen): bool => $seen >= $now - 2 * TIMESTAMP_WINDOW,
    );
    $store->data['nonces'][nonce_key($provider)] = $now;
}

function request_token(Store $store, bool $verbatim = false): void
{
    $provider = make_provider($store, 'request_token', $verbatim);
    $provider->isRequestTokenEndpoint(true);
    $provider->addRequiredParameter('oauth_callback');
    $provider->checkOAuthRequest();
    verified($store, $provider);
    $callback = (string) $provider->callback;
    $allowed = $callback === 'oob';
    foreach (LOOPBACK_CALLBACKS as $prefix) {
        $allowed = $allowed || str_starts_with($callback, $prefix);
    }
    if (!$allowed) {
        answer(400, FORM_TYPE, 'oauth_problem=parameter_rejected&oauth_parameters_rejected=oauth_callback');
        return;
    }
    $token = new_token('t');
    $secret = new_token('s');
    $store->data['temporary'][$token] = [
        'client_key' => $provider->consumer_key,
        'secret' => $secret,
        'callback' => $callback,
        'verifier' => null,
        'user' => null,
    ];
    answer(200, FORM_TYPE, form_encode([
        'oauth_token' => $token,
        'oauth_token_secret' => $secret,
        'oauth_callback_confirmed' => 'true',
    ]));
}

/** request_token with the client secret handed to OAuthProvider as registered, unencoded: it
 * pins that OAuthProvider does not encode it (see the interop tests). */
function verbatim_request_token(Store $store): void
{
    request_token($store, true);
}

function authorize(Store $store): void
{
    // Test-only login and consent: the user named in X-Test-User approves at once.
    $user = $_SERVER['HTTP_X_TEST_USER'] ?? '';
    if ($user === '') {
        answer_json(401, ['error' => 'login_required', 'hint' => 'send X-Test-User']);
        return;
    }
    $token = $_GET['oauth_token'] ?? null;
    $record = is_string($token) ? ($store->data['temporary'][$token] ?? null) : null;
    if (!is_array($record)) {
        answer(400, FORM_TYPE, 'oauth_problem=token_rejected');
        return;
    }
    $verifier = new_token('v');
    $record['verifier'] = $verifier;
    $record['user'] = $user;
    $store->data['temporary'][$token] = $record;
    $fields = form_encode(['oauth_token' => $token, 'oauth_verifier' => $verifier]);
    if ($record['callback'] === 'oob') {
        answer(200, FORM_TYPE, $fields);
        return;
    }
    $callback = $record['callback'];
    $location = $callback . (str_contains($callback, '?') ? '&' : '?') . $fields;
    answer(302, 'text/plain', '', ['Location: ' . $location]);
}

function access_token(Store $store): void
{
    $provider = make_provider($store, 'access_token');
    $provider->addRequiredParameter('oauth_verifier');
    $provider->checkOAuthRequest();
    verified($store, $provider);
    $temporary = (string) $provider->token;
    $record = $store->data['temporary'][$temporary];
    unset($store->data['temporary'][$temporary]);
    $token = new_token('a');
    $secret = new_token('s');
    $store->data['access'][$token] = [
        'client_key' => $provider->consumer_key,
        'secret' => $secret,
        'user' => $record['user'],
    ];
    answer(200, FORM_TYPE, form_encode(['oauth_token' => $token, 'oauth_token_secret' => $secret]));
}

function resource(Store $store): void
{
    $provider = make_provider($store, 'resource');
    $provider->checkOAuthRequest();
    verified($store, $provider);
    $record = $store->data['access'][(string) $provider->token];
    $pairs = form_pairs($_SERVER['QUERY_STRING'] ?? '');
    $type = strtolower(trim(explode(';', $_SERVER['CONTENT_TYPE'] ?? '')[0]));
    if ($type === FORM_TYPE) {
        $pairs = array_merge($pairs, form_pairs((string) file_get_contents('php://input')));
    }
    $params = array_values(array_filter(
        $pairs,
        fn (array $pair): bool => !str_starts_with($pair[0], 'oauth_') && $pair[0] !== 'realm',
    ));
    usort($params, fn (array $a, array $b): int => strcmp($a[0], $b[0]) ?: strcmp($a[1], $b[1]));
    answer_json(200, [
        'user' => $record['user'],
        'client_key' => $provider->consumer_key,
        'signature_method' => $provider->signature_method,
        'method' => $_SERVER['REQUEST_METHOD'],
        'params' => $params,
    ]);
}

function main(): void
{
    $route = trim((string) parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH), '/');
    if ($route === 'ping') {
        answer_json(200, ['oauth' => extension_loaded('oauth')]);
        return;
    }
    $handlers = [
        'request_token' => 'request_token',
        'authorize' => 'authorize',
        'access_token' => 'access_token',
        'resource' => 'resource',
        'verbatim/request_token' => 'verbatim_request_token',
    ];
    $handler = $handlers[$route] ?? null;
    $path = getenv(STATE_VARIABLE);
    if ($handler === null || !is_string($path) || $path === '') {
        answer_json(404, ['error' => 'not_found']);
        return;
    }
    $store = new Store($path);
    try {
        $handler($store);
        $store->save();
    } catch (OAuthException $problem) {
        // 400 or 401 and an OAuth Problem Reporting body; a refused request changes nothing.
        $body = OAuthProvider::reportProblem($problem);
        header('Content-Type: ' . FORM_TYPE);
        if (http_response_code() === 401) {
            header('WWW-Authenticate: OAuth realm="interop"');
        }
        echo $body;
    } catch (Throwable $error) {
        // Report, don't hang up: the test shows the reason.
        answer_json(500, ['error' => 'provider_exception', 'detail' => get_class($error) . ': ' . $error->getMessage()]);
    } finally {
        $store->close();
    }
}
