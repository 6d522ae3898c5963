<?php
/*
 * The router script for `php -S 127.0.0.1:PORT router.php`: every request goes to
 * provider.php (nothing is served from the file system).
 */

declare(strict_types=1);

require __DIR__ . '/provider.php';

main();
