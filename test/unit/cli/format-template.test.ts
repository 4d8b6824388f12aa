// The Go text/template subset of --format: fields, methods, pipes, functions, control structures,
// table headers and error texts as docker prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Template, renderTemplate, TemplateError } from '../../../src/cli/format/template.js';
import { renderFormat } from '../../../src/cli/format/formatter.js';
import { ContainerRow, PS_HEADER } from '../../../src/cli/format/containers.js';

const data = {
  Name: 'web',
  State: { Running: true, Pid: 42, Health: null },
  Config: { Cmd: ['sh', '-c', 'echo hi'], Labels: { 'com.x': 'y', a: 'b' }, Env: [] as string[] },
  Count: 3,
};

test('fields, nested fields, variables and literals', () => {
  assert.equal(renderTemplate('{{.Name}} {{.State.Running}} {{.State.Pid}}', data), 'web true 42');
  assert.equal(renderTemplate('{{$.Name}}-{{"lit"}}-{{`raw`}}-{{7}}', data), 'web-lit-raw-7');
  assert.equal(renderTemplate('{{.Missing}}|{{.State.Health}}', data), '<no value>|<nil>');
  assert.equal(renderTemplate('{{.Config.Cmd}} {{.Config.Labels}}', data), '[sh -c echo hi] map[a:b com.x:y]');
  assert.equal(renderTemplate('{{$n := .Name}}{{$n}}{{$n | upper}}', data), 'webWEB');
});

test('docker functions: json, join, split, upper, lower, title, pad, truncate, index, len', () => {
  assert.equal(renderTemplate('{{json .Config.Cmd}}', data), '["sh","-c","echo hi"]');
  assert.equal(renderTemplate('{{json .}}', { a: '<b>' }), '{"a":"<b>"}');
  assert.equal(renderTemplate('{{join .Config.Cmd ","}}', data), 'sh,-c,echo hi');
  assert.equal(renderTemplate('{{split "a:b:c" ":"}}', data), '[a b c]');
  assert.equal(renderTemplate('{{index (split "a:b:c" ":") 1}}', data), 'b');
  assert.equal(renderTemplate('{{upper .Name}} {{lower "AbC"}} {{title "hello world"}}', data), 'WEB abc Hello World');
  assert.equal(renderTemplate('[{{pad .Name 2 1}}][{{pad "" 2 2}}]', data), '[  web ][]');
  assert.equal(renderTemplate('{{truncate "abcdef" 3}} {{truncate "ab" 3}}', data), 'abc ab');
  assert.equal(renderTemplate('{{index .Config.Labels "com.x"}}|{{index .Config.Labels "nope"}}|', data), 'y||');
  assert.equal(renderTemplate('{{len .Config.Cmd}} {{len .Config.Labels}}', data), '3 2');
  assert.equal(renderTemplate('{{println "a" 1}}{{print "x" "y"}}{{printf "%5s|%-3d|%.1f" "ab" 7 2.25}}', data), 'a 1\nxy   ab|7  |2.2');
});

test('pipes pass the value as the last argument', () => {
  assert.equal(renderTemplate('{{.Name | upper}}', data), 'WEB');
  assert.equal(renderTemplate('{{.Name | printf "%s-%s" "x"}}', data), 'x-web');
  assert.equal(renderTemplate('{{.Name | printf "%s!"}}', data), 'web!');
});

test('if / else if / else / range / with, with trim markers', () => {
  assert.equal(renderTemplate('{{if .State.Running}}up{{else}}down{{end}}', data), 'up');
  assert.equal(renderTemplate('{{if eq .Count 1}}one{{else if eq .Count 3}}three{{else}}many{{end}}', data), 'three');
  assert.equal(renderTemplate('{{if not .Config.Env}}empty{{end}}', data), 'empty');
  assert.equal(renderTemplate('{{if and .Name .Count}}both{{end}}{{if or .Missing .Name}}-or{{end}}', data), 'both-or');
  assert.equal(renderTemplate('{{range .Config.Cmd}}[{{.}}]{{end}}', data), '[sh][-c][echo hi]');
  assert.equal(renderTemplate('{{range $i, $c := .Config.Cmd}}{{$i}}={{$c}} {{end}}', data), '0=sh 1=-c 2=echo hi ');
  assert.equal(renderTemplate('{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}', data), 'a:b;com.x:y;');
  assert.equal(renderTemplate('{{range .Config.Env}}x{{else}}none{{end}}', data), 'none');
  assert.equal(renderTemplate('{{with .State}}{{.Pid}}{{end}}', data), '42');
  assert.equal(renderTemplate('a  {{- .Name -}}  b', data), 'awebb');
  assert.equal(renderTemplate('{{/* a comment */}}x', data), 'x');
});

test('methods with arguments on rows, and struct-like rows reject unknown fields', () => {
  const row = new ContainerRow({ Id: 'a'.repeat(64), Names: ['/web'], Labels: { 'com.x': 'y' }, State: 'running' }, true);
  assert.equal(renderTemplate('{{.Label "com.x"}}|{{.Names}}|{{.ID}}', row), `y|web|${'a'.repeat(12)}`);
  assert.throws(() => renderTemplate('{{.Foo}}', row), (err: Error) => err instanceof TemplateError
    && err.message === 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.ContainerContext');
});

test('parse errors name the problem', () => {
  assert.throws(() => new Template('{{foo}}'), /function "foo" not defined/);
  assert.throws(() => new Template('{{.Names'), /unclosed action/);
  assert.throws(() => new Template('{{if .A}}x'), /unexpected EOF/);
  assert.throws(() => new Template('{{end}}'), /unexpected/);
});

test('missingkey=error (inspect fallback) reports Go\'s message and position', () => {
  const t = new Template('{{.Config.Foo}}', undefined, { missingKey: 'error' });
  assert.throws(() => t.execute(data), (err: Error) => err.message === 'template: :1:9: executing "" at <.Config.Foo>: map has no entry for key "Foo"');
  // String maps (labels) keep "<no value>" as a Go map[string]string does.
  assert.equal(new Template('{{.Config.Labels.nope}}', undefined, { missingKey: 'error' }).execute(data), '<no value>');
});

test('table formats: header from the field names, identity functions, tabwriter columns', () => {
  const rows = [
    new ContainerRow({ Id: '1'.repeat(64), Names: ['/a'], Image: 'busybox', State: 'running', Labels: { k: 'v' } }, true),
    new ContainerRow({ Id: '2'.repeat(64), Names: ['/long-name-here'], Image: 'busybox', State: 'exited' }, true),
  ];
  const out = renderFormat('table {{.ID}}\\t{{.Names | upper}}\\t{{.Label "k"}}\\t{{.State}}', rows, PS_HEADER);
  assert.equal(out, [
    'CONTAINER ID   NAMES            k         STATE',
    '111111111111   A                v         running',
    '222222222222   LONG-NAME-HERE             exited',
    '',
  ].join('\n'));
  // Without "table": no header, no alignment, \t stays a tab.
  assert.equal(renderFormat('{{.Names}}\\t{{.State}}', rows, PS_HEADER), 'a\trunning\nlong-name-here\texited\n');
  // A header is printed even with no rows.
  assert.equal(renderFormat('table {{.ID}}\\t{{.Names}}', [], PS_HEADER), 'CONTAINER ID   NAMES\n');
  // {{json .}} marshals every field, keys sorted, HTML-escaped like Go's json.Marshal.
  const j = JSON.parse(renderFormat('{{json .}}', [rows[0]], PS_HEADER)) as Record<string, string>;
  assert.deepEqual(Object.keys(j), ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
  assert.equal(j.Labels, 'k=v');
});
