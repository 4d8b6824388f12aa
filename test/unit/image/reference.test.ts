import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseReference, parseNormalizedTagged, referenceString, familiarString, familiarName, InvalidReferenceError,
} from '../../../src/image/reference.js';

const hex = 'a'.repeat(64);

test('normalizes references like Docker', () => {
  const cases: Array<[string, string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
    ['docker.io/library/alpine:3', 'docker.io/library/alpine:3', 'alpine:3'],
    ['index.docker.io/library/alpine', 'docker.io/library/alpine:latest', 'alpine:latest'],
    ['localhost:5000/x/y:tag', 'localhost:5000/x/y:tag', 'localhost:5000/x/y:tag'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['quay.io/org/img', 'quay.io/org/img:latest', 'quay.io/org/img:latest'],
    [`name@sha256:${hex}`, `docker.io/library/name@sha256:${hex}`, `name@sha256:${hex}`],
    [`name:tag@sha256:${hex}`, `docker.io/library/name:tag@sha256:${hex}`, `name:tag@sha256:${hex}`],
    ['org/a-b_c__d.e--f', 'docker.io/org/a-b_c__d.e--f:latest', 'org/a-b_c__d.e--f:latest'],
    ['my.registry/x', 'my.registry/x:latest', 'my.registry/x:latest'],
  ];
  for (const [input, full, familiar] of cases) {
    const ref = parseNormalizedTagged(input);
    assert.equal(referenceString(ref), full, input);
    assert.equal(familiarString(ref), familiar, input);
  }
});

test('splits domain, path, tag and digest', () => {
  const r = parseReference('host:5000/a/b:v1');
  assert.deepEqual(r, { name: 'host:5000/a/b', domain: 'host:5000', path: 'a/b', tag: 'v1' });
  assert.equal(familiarName(parseReference('docker.io/library/x/y')), 'library/x/y');
  assert.equal(parseReference('busybox').tag, undefined);
});

test('rejects invalid references with Docker-style messages naming the part', () => {
  const bad: Array<[string, RegExp]> = [
    ['Busybox', /invalid reference format: repository name \(library\/Busybox\) must be lowercase/],
    ['user/App:1', /repository name \(user\/App\) must be lowercase/],
    ['busybox:bad tag', /tag "bad tag" in "busybox:bad tag" is invalid/],
    ['busybox:-x', /tag "-x"/],
    [`busybox:${'t'.repeat(129)}`, /longer than 128 characters/],
    ['busybox@sha256:abc', /invalid digest "sha256:abc"/],
    [`busybox@md5:${'Z'.repeat(40)}`, /invalid digest/],
    ['', /at least one component/],
    [hex, /cannot specify 64-byte hexadecimal strings/],
    ['a//b', /"a\/\/b" is not a valid image reference/],
    ['-app', /not a valid image reference/],
  ];
  for (const [input, re] of bad) {
    assert.throws(() => parseReference(input), (e: unknown) => e instanceof InvalidReferenceError && re.test(e.message), input);
  }
  assert.ok(parseReference(`busybox:${'t'.repeat(128)}`).tag?.length === 128);
});
