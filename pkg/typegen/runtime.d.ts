// The runtime API valet provides to workers (pkg/runtime, pkg/durable,
// pkg/containers), declared for `tsc --strict` with "lib": ["es2022"] and no
// DOM lib. Names and shapes follow @cloudflare/workers-types so that code
// written for Cloudflare type-checks unchanged; only what valet implements is
// declared, so a missing API shows up as a type error, not at run time.

// Tells @types/node (when a project adds it) to defer to these web globals.
declare var onmessage: never;
declare var self: typeof globalThis;

/* ---------------------------------------------------------------- console */

interface Console {
	assert(condition?: boolean, ...data: any[]): void;
	clear(): void;
	count(label?: string): void;
	countReset(label?: string): void;
	debug(...data: any[]): void;
	dir(item?: any, options?: any): void;
	dirxml(...data: any[]): void;
	error(...data: any[]): void;
	group(...data: any[]): void;
	groupCollapsed(...data: any[]): void;
	groupEnd(): void;
	info(...data: any[]): void;
	log(...data: any[]): void;
	table(tabularData?: any, properties?: string[]): void;
	time(label?: string): void;
	timeEnd(label?: string): void;
	timeLog(label?: string, ...data: any[]): void;
	trace(...data: any[]): void;
	warn(...data: any[]): void;
}
declare var console: Console;

/* ----------------------------------------------------- timers and globals */

declare function setTimeout<Args extends any[]>(callback: (...args: Args) => void, msDelay?: number, ...args: Args): number;
declare function clearTimeout(timeoutId: number | null | undefined): void;
declare function setInterval<Args extends any[]>(callback: (...args: Args) => void, msDelay?: number, ...args: Args): number;
declare function clearInterval(timeoutId: number | null | undefined): void;
declare function queueMicrotask(task: () => void): void;
declare function structuredClone<T>(value: T, options?: StructuredSerializeOptions): T;
declare function reportError(error: any): void;
declare function atob(data: string): string;
declare function btoa(data: string): string;
declare function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;

interface StructuredSerializeOptions {
	transfer?: any[];
}

interface Performance {
	readonly timeOrigin: number;
	now(): number;
}
declare var performance: Performance;

interface Navigator {
	readonly userAgent: string;
	readonly hardwareConcurrency: number;
	readonly language: string;
	readonly languages: string[];
}
declare var navigator: Navigator;

/* ------------------------------------------------------ events and errors */

declare class DOMException extends Error {
	constructor(message?: string, name?: string);
	readonly message: string;
	readonly name: string;
	readonly code: number;
	static readonly ABORT_ERR: number;
	static readonly TIMEOUT_ERR: number;
	static readonly NOT_SUPPORTED_ERR: number;
	static readonly INVALID_STATE_ERR: number;
	static readonly DATA_CLONE_ERR: number;
}

interface EventInit {
	bubbles?: boolean;
	cancelable?: boolean;
	composed?: boolean;
}

declare class Event {
	constructor(type: string, init?: EventInit);
	readonly type: string;
	readonly eventPhase: number;
	readonly composed: boolean;
	readonly bubbles: boolean;
	readonly cancelable: boolean;
	readonly defaultPrevented: boolean;
	readonly returnValue: boolean;
	readonly currentTarget: EventTarget | undefined;
	readonly target: EventTarget | undefined;
	readonly timeStamp: number;
	readonly isTrusted: boolean;
	cancelBubble: boolean;
	stopImmediatePropagation(): void;
	preventDefault(): void;
	stopPropagation(): void;
	composedPath(): EventTarget[];
	static readonly NONE: number;
	static readonly CAPTURING_PHASE: number;
	static readonly AT_TARGET: number;
	static readonly BUBBLING_PHASE: number;
}

type EventListener<EventType extends Event = Event> = (event: EventType) => void;
interface EventListenerObject<EventType extends Event = Event> {
	handleEvent(event: EventType): void;
}
type EventListenerOrEventListenerObject<EventType extends Event = Event> =
	| EventListener<EventType>
	| EventListenerObject<EventType>;

interface EventTargetAddEventListenerOptions {
	capture?: boolean;
	passive?: boolean;
	once?: boolean;
	signal?: AbortSignal;
}
interface EventTargetEventListenerOptions {
	capture?: boolean;
}

declare class EventTarget<EventMap extends Record<string, Event> = Record<string, Event>> {
	constructor();
	addEventListener<Type extends keyof EventMap>(
		type: Type,
		handler: EventListenerOrEventListenerObject<EventMap[Type]>,
		options?: EventTargetAddEventListenerOptions | boolean,
	): void;
	removeEventListener<Type extends keyof EventMap>(
		type: Type,
		handler: EventListenerOrEventListenerObject<EventMap[Type]>,
		options?: EventTargetEventListenerOptions | boolean,
	): void;
	dispatchEvent(event: EventMap[keyof EventMap]): boolean;
}

declare class AbortController {
	constructor();
	readonly signal: AbortSignal;
	abort(reason?: any): void;
}

type AbortSignalEventMap = { abort: Event };

declare abstract class AbortSignal extends EventTarget<AbortSignalEventMap> {
	static abort(reason?: any): AbortSignal;
	static timeout(delay: number): AbortSignal;
	static any(signals: AbortSignal[]): AbortSignal;
	readonly aborted: boolean;
	readonly reason: any;
	onabort: ((event: Event) => any) | null;
	throwIfAborted(): void;
}

/* ------------------------------------------------------------- encodings */

interface TextDecoderConstructorOptions {
	fatal?: boolean;
	ignoreBOM?: boolean;
}
interface TextDecoderDecodeOptions {
	stream?: boolean;
}
interface TextEncoderEncodeIntoResult {
	read: number;
	written: number;
}

declare class TextEncoder {
	constructor();
	readonly encoding: string;
	encode(input?: string): Uint8Array;
	encodeInto(input: string, buffer: Uint8Array): TextEncoderEncodeIntoResult;
}

declare class TextDecoder {
	constructor(label?: string, options?: TextDecoderConstructorOptions);
	readonly encoding: string;
	readonly fatal: boolean;
	readonly ignoreBOM: boolean;
	decode(input?: AllowSharedBufferSource, options?: TextDecoderDecodeOptions): string;
}

type BufferSource = ArrayBufferView | ArrayBuffer;
type AllowSharedBufferSource = ArrayBuffer | ArrayBufferView | SharedArrayBuffer;

/* ----------------------------------------------------------------- crypto */

interface CryptoKey {
	readonly type: string;
	readonly extractable: boolean;
	readonly algorithm: any;
	readonly usages: string[];
}
interface CryptoKeyPair {
	publicKey: CryptoKey;
	privateKey: CryptoKey;
}
interface JsonWebKey {
	kty?: string;
	use?: string;
	key_ops?: string[];
	alg?: string;
	ext?: boolean;
	crv?: string;
	x?: string;
	y?: string;
	d?: string;
	n?: string;
	e?: string;
	p?: string;
	q?: string;
	dp?: string;
	dq?: string;
	qi?: string;
	k?: string;
	[key: string]: unknown;
}
type AlgorithmIdentifier = string | { name: string; [key: string]: any };

interface SubtleCrypto {
	digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer>;
	encrypt(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
	decrypt(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
	sign(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
	verify(algorithm: AlgorithmIdentifier, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean>;
	generateKey(algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: string[]): Promise<CryptoKey | CryptoKeyPair>;
	deriveKey(algorithm: AlgorithmIdentifier, baseKey: CryptoKey, derivedKeyAlgorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: string[]): Promise<CryptoKey>;
	deriveBits(algorithm: AlgorithmIdentifier, baseKey: CryptoKey, length?: number | null): Promise<ArrayBuffer>;
	importKey(format: string, keyData: BufferSource | JsonWebKey, algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: string[]): Promise<CryptoKey>;
	exportKey(format: string, key: CryptoKey): Promise<ArrayBuffer | JsonWebKey>;
	wrapKey(format: string, key: CryptoKey, wrappingKey: CryptoKey, wrapAlgorithm: AlgorithmIdentifier): Promise<ArrayBuffer>;
	unwrapKey(format: string, wrappedKey: BufferSource, unwrappingKey: CryptoKey, unwrapAlgorithm: AlgorithmIdentifier, unwrappedKeyAlgorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: string[]): Promise<CryptoKey>;
	timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}

interface Crypto {
	readonly subtle: SubtleCrypto;
	getRandomValues<
		T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array,
	>(buffer: T): T;
	randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}
declare var crypto: Crypto;

/* ---------------------------------------------------------------- streams */

interface ReadableStreamReadDoneResult<R = any> {
	done: true;
	value?: R;
}
interface ReadableStreamReadValueResult<R = any> {
	done: false;
	value: R;
}
type ReadableStreamReadResult<R = any> = ReadableStreamReadValueResult<R> | ReadableStreamReadDoneResult<R>;

interface QueuingStrategy<T = any> {
	highWaterMark?: number;
	size?: (chunk: T) => number;
}

interface ReadableStreamDefaultController<R = any> {
	readonly desiredSize: number | null;
	close(): void;
	enqueue(chunk?: R): void;
	error(reason?: any): void;
}
interface ReadableByteStreamController {
	readonly desiredSize: number | null;
	close(): void;
	enqueue(chunk: ArrayBufferView): void;
	error(reason?: any): void;
}
interface UnderlyingSource<R = any> {
	type?: "bytes" | undefined;
	autoAllocateChunkSize?: number;
	start?: (controller: ReadableStreamDefaultController<R>) => void | Promise<void>;
	pull?: (controller: ReadableStreamDefaultController<R>) => void | Promise<void>;
	cancel?: (reason: any) => void | Promise<void>;
	expectedLength?: number | bigint;
}
interface UnderlyingByteSource {
	type: "bytes";
	autoAllocateChunkSize?: number;
	start?: (controller: ReadableByteStreamController) => void | Promise<void>;
	pull?: (controller: ReadableByteStreamController) => void | Promise<void>;
	cancel?: (reason: any) => void | Promise<void>;
}
interface StreamPipeOptions {
	preventClose?: boolean;
	preventAbort?: boolean;
	preventCancel?: boolean;
	signal?: AbortSignal;
}
interface ReadableWritablePair<R = any, W = any> {
	writable: WritableStream<W>;
	readable: ReadableStream<R>;
}

declare class ReadableStream<R = any> {
	constructor(underlyingSource: UnderlyingByteSource, strategy?: QueuingStrategy<Uint8Array>);
	constructor(underlyingSource?: UnderlyingSource<R>, strategy?: QueuingStrategy<R>);
	static from<T>(source: Iterable<T> | AsyncIterable<T>): ReadableStream<T>;
	readonly locked: boolean;
	cancel(reason?: any): Promise<void>;
	getReader(): ReadableStreamDefaultReader<R>;
	pipeThrough<T>(transform: ReadableWritablePair<T, R>, options?: StreamPipeOptions): ReadableStream<T>;
	pipeTo(destination: WritableStream<R>, options?: StreamPipeOptions): Promise<void>;
	tee(): [ReadableStream<R>, ReadableStream<R>];
	values(options?: { preventCancel?: boolean }): AsyncIterableIterator<R>;
	[Symbol.asyncIterator](options?: { preventCancel?: boolean }): AsyncIterableIterator<R>;
}

declare class ReadableStreamDefaultReader<R = any> {
	constructor(stream: ReadableStream<R>);
	readonly closed: Promise<void>;
	cancel(reason?: any): Promise<void>;
	read(): Promise<ReadableStreamReadResult<R>>;
	releaseLock(): void;
}


interface WritableStreamDefaultController {
	readonly signal: AbortSignal;
	error(reason?: any): void;
}
interface UnderlyingSink<W = any> {
	type?: string;
	start?: (controller: WritableStreamDefaultController) => void | Promise<void>;
	write?: (chunk: W, controller: WritableStreamDefaultController) => void | Promise<void>;
	abort?: (reason: any) => void | Promise<void>;
	close?: () => void | Promise<void>;
}

declare class WritableStream<W = any> {
	constructor(underlyingSink?: UnderlyingSink<W>, queuingStrategy?: QueuingStrategy<W>);
	readonly locked: boolean;
	abort(reason?: any): Promise<void>;
	close(): Promise<void>;
	getWriter(): WritableStreamDefaultWriter<W>;
}

declare class WritableStreamDefaultWriter<W = any> {
	constructor(stream: WritableStream<W>);
	readonly closed: Promise<void>;
	readonly ready: Promise<void>;
	readonly desiredSize: number | null;
	abort(reason?: any): Promise<void>;
	close(): Promise<void>;
	write(chunk?: W): Promise<void>;
	releaseLock(): void;
}

interface TransformStreamDefaultController<O = any> {
	readonly desiredSize: number | null;
	enqueue(chunk?: O): void;
	error(reason: any): void;
	terminate(): void;
}
interface Transformer<I = any, O = any> {
	readableType?: string;
	writableType?: string;
	start?: (controller: TransformStreamDefaultController<O>) => void | Promise<void>;
	transform?: (chunk: I, controller: TransformStreamDefaultController<O>) => void | Promise<void>;
	flush?: (controller: TransformStreamDefaultController<O>) => void | Promise<void>;
	cancel?: (reason: any) => void | Promise<void>;
	expectedLength?: number;
}

declare class TransformStream<I = any, O = any> {
	constructor(transformer?: Transformer<I, O>, writableStrategy?: QueuingStrategy<I>, readableStrategy?: QueuingStrategy<O>);
	readonly readable: ReadableStream<O>;
	readonly writable: WritableStream<I>;
}

declare class TextEncoderStream extends TransformStream<string, Uint8Array> {
	constructor();
	readonly encoding: string;
}
declare class TextDecoderStream extends TransformStream<ArrayBuffer | ArrayBufferView, string> {
	constructor(label?: string, options?: TextDecoderConstructorOptions);
	readonly encoding: string;
	readonly fatal: boolean;
	readonly ignoreBOM: boolean;
}

declare class ByteLengthQueuingStrategy implements QueuingStrategy<ArrayBufferView> {
	constructor(init: { highWaterMark: number });
	readonly highWaterMark: number;
	size(chunk?: any): number;
}
declare class CountQueuingStrategy implements QueuingStrategy {
	constructor(init: { highWaterMark: number });
	readonly highWaterMark: number;
	size(chunk?: any): number;
}

/* ---------------------------------------------------- blobs and form data */

type BlobPart = ArrayBuffer | ArrayBufferView | Blob | string;
interface BlobOptions {
	type?: string;
}
interface FileOptions {
	type?: string;
	lastModified?: number;
}

declare class Blob {
	constructor(parts?: BlobPart[], options?: BlobOptions);
	readonly size: number;
	readonly type: string;
	slice(start?: number, end?: number, contentType?: string): Blob;
	arrayBuffer(): Promise<ArrayBuffer>;
	bytes(): Promise<Uint8Array>;
	text(): Promise<string>;
	stream(): ReadableStream<Uint8Array>;
}

declare class File extends Blob {
	constructor(bits: BlobPart[] | undefined, name: string, options?: FileOptions);
	readonly name: string;
	readonly lastModified: number;
}

type FormDataEntryValue = File | string;

declare class FormData {
	constructor();
	append(name: string, value: string): void;
	append(name: string, value: Blob, filename?: string): void;
	delete(name: string): void;
	get(name: string): FormDataEntryValue | null;
	getAll(name: string): FormDataEntryValue[];
	has(name: string): boolean;
	set(name: string, value: string): void;
	set(name: string, value: Blob, filename?: string): void;
	entries(): IterableIterator<[key: string, value: FormDataEntryValue]>;
	keys(): IterableIterator<string>;
	values(): IterableIterator<FormDataEntryValue>;
	forEach<This = unknown>(callback: (this: This, value: FormDataEntryValue, key: string, parent: FormData) => void, thisArg?: This): void;
	[Symbol.iterator](): IterableIterator<[key: string, value: FormDataEntryValue]>;
}

/* -------------------------------------------------------------------- URL */

declare class URL {
	constructor(url: string | URL, base?: string | URL);
	static canParse(url: string, base?: string): boolean;
	static parse(url: string, base?: string): URL | null;
	href: string;
	readonly origin: string;
	protocol: string;
	username: string;
	password: string;
	host: string;
	hostname: string;
	port: string;
	pathname: string;
	search: string;
	readonly searchParams: URLSearchParams;
	hash: string;
	toString(): string;
	toJSON(): string;
}

declare class URLSearchParams {
	constructor(init?: Iterable<Iterable<string>> | Record<string, string> | string | URLSearchParams);
	readonly size: number;
	append(name: string, value: string): void;
	delete(name: string, value?: string): void;
	get(name: string): string | null;
	getAll(name: string): string[];
	has(name: string, value?: string): boolean;
	set(name: string, value: string): void;
	sort(): void;
	entries(): IterableIterator<[key: string, value: string]>;
	keys(): IterableIterator<string>;
	values(): IterableIterator<string>;
	forEach<This = unknown>(callback: (this: This, value: string, key: string, parent: URLSearchParams) => void, thisArg?: This): void;
	toString(): string;
	[Symbol.iterator](): IterableIterator<[key: string, value: string]>;
}

/* ------------------------------------------------------------------- HTTP */

type HeadersInit = Headers | Iterable<Iterable<string>> | Record<string, string>;

declare class Headers {
	constructor(init?: HeadersInit);
	get(name: string): string | null;
	getAll(name: string): string[];
	getSetCookie(): string[];
	has(name: string): boolean;
	set(name: string, value: string): void;
	append(name: string, value: string): void;
	delete(name: string): void;
	forEach<This = unknown>(callback: (this: This, value: string, key: string, parent: Headers) => void, thisArg?: This): void;
	entries(): IterableIterator<[key: string, value: string]>;
	keys(): IterableIterator<string>;
	values(): IterableIterator<string>;
	[Symbol.iterator](): IterableIterator<[key: string, value: string]>;
}

type BodyInit = ReadableStream<Uint8Array> | string | ArrayBuffer | ArrayBufferView | Blob | URLSearchParams | FormData;
type RequestInfo<CfHostMetadata = unknown, Cf = CfProperties<CfHostMetadata>> = Request<CfHostMetadata, Cf> | string;

declare abstract class Body {
	readonly body: ReadableStream<Uint8Array> | null;
	readonly bodyUsed: boolean;
	arrayBuffer(): Promise<ArrayBuffer>;
	bytes(): Promise<Uint8Array>;
	text(): Promise<string>;
	// `any` by default, as in the DOM lib, so `(await r.json()).field` compiles.
	json<T = any>(): Promise<T>;
	formData(): Promise<FormData>;
	blob(): Promise<Blob>;
}

// Cloudflare's request metadata (request.cf). valet fills what it can
// know locally; every field is optional.
interface IncomingRequestCfProperties<HostMetadata = unknown> {
	asn?: number;
	asOrganization?: string;
	colo?: string;
	country?: string;
	city?: string;
	continent?: string;
	region?: string;
	regionCode?: string;
	postalCode?: string;
	timezone?: string;
	latitude?: string;
	longitude?: string;
	httpProtocol?: string;
	tlsVersion?: string;
	tlsCipher?: string;
	clientTcpRtt?: number;
	hostMetadata?: HostMetadata;
	[key: string]: unknown;
}
type CfProperties<HostMetadata = unknown> = IncomingRequestCfProperties<HostMetadata> | RequestInitCfProperties;
interface RequestInitCfProperties {
	cacheEverything?: boolean;
	cacheKey?: string;
	cacheTtl?: number;
	cacheTtlByStatus?: Record<string, number>;
	resolveOverride?: string;
	[key: string]: unknown;
}

interface RequestInit<Cf = CfProperties> {
	method?: string;
	headers?: HeadersInit;
	body?: BodyInit | null;
	redirect?: "follow" | "manual" | "error" | string;
	signal?: AbortSignal | null;
	integrity?: string;
	keepalive?: boolean;
	cache?: "no-store" | "no-cache" | "default" | string;
	credentials?: string;
	mode?: string;
	referrer?: string;
	referrerPolicy?: string;
	duplex?: "half";
	cf?: Cf;
}

declare class Request<CfHostMetadata = unknown, Cf = CfProperties<CfHostMetadata>> extends Body {
	constructor(input: RequestInfo | URL, init?: RequestInit<Cf>);
	clone(): Request<CfHostMetadata, Cf>;
	readonly method: string;
	readonly url: string;
	readonly headers: Headers;
	readonly redirect: string;
	readonly signal: AbortSignal;
	readonly cf?: Cf;
	readonly integrity: string;
	readonly keepalive: boolean;
	readonly cache?: string;
}

interface ResponseInit {
	status?: number;
	statusText?: string;
	headers?: HeadersInit;
	cf?: any;
	webSocket?: WebSocket | null;
	encodeBody?: "automatic" | "manual";
}

declare class Response extends Body {
	constructor(body?: BodyInit | null, init?: ResponseInit);
	static error(): Response;
	static redirect(url: string | URL, status?: number): Response;
	static json(data: any, init?: ResponseInit): Response;
	clone(): Response;
	readonly status: number;
	readonly statusText: string;
	readonly headers: Headers;
	readonly ok: boolean;
	readonly redirected: boolean;
	readonly url: string;
	readonly type: "default" | "error";
	readonly webSocket: WebSocket | null;
	readonly cf?: any;
}

/* -------------------------------------------------------------- WebSocket */

declare class MessageEvent extends Event {
	constructor(type: string, initializer: { data: ArrayBuffer | string });
	readonly data: any;
	readonly origin: string | null;
	readonly lastEventId: string;
	readonly source: any;
	readonly ports: any[];
}
declare class CloseEvent extends Event {
	constructor(type: string, initializer?: { code?: number; reason?: string; wasClean?: boolean });
	readonly code: number;
	readonly reason: string;
	readonly wasClean: boolean;
}
declare class ErrorEvent extends Event {
	constructor(type: string, init?: { message?: string; filename?: string; lineno?: number; colno?: number; error?: any });
	readonly filename: string;
	readonly message: string;
	readonly lineno: number;
	readonly colno: number;
	readonly error: any;
}

type WebSocketEventMap = {
	close: CloseEvent;
	message: MessageEvent;
	open: Event;
	error: ErrorEvent;
};

declare class WebSocket extends EventTarget<WebSocketEventMap> {
	constructor(url: string | URL, protocols?: string[] | string);
	accept(): void;
	send(message: string | ArrayBuffer | ArrayBufferView): void;
	close(code?: number, reason?: string): void;
	serializeAttachment(attachment: any): void;
	deserializeAttachment(): any;
	readonly readyState: number;
	readonly url: string | null;
	readonly protocol: string | null;
	readonly extensions: string | null;
	binaryType: "blob" | "arraybuffer";
	static readonly CONNECTING: number;
	static readonly OPEN: number;
	static readonly CLOSING: number;
	static readonly CLOSED: number;
	static readonly READY_STATE_CONNECTING: number;
	static readonly READY_STATE_OPEN: number;
	static readonly READY_STATE_CLOSING: number;
	static readonly READY_STATE_CLOSED: number;
}

declare const WebSocketPair: {
	new (): { 0: WebSocket; 1: WebSocket };
};

/* ---------------------------------------------------------------- workers */

interface ExecutionContext<Props = any> {
	waitUntil(promise: Promise<any>): void;
	passThroughOnException(): void;
	readonly props: Props;
}

interface ScheduledController {
	readonly scheduledTime: number;
	readonly cron: string;
	noRetry(): void;
}

type ExportedHandlerFetchHandler<Env = unknown, CfHostMetadata = unknown> = (
	request: Request<CfHostMetadata, IncomingRequestCfProperties<CfHostMetadata>>,
	env: Env,
	ctx: ExecutionContext,
) => Response | Promise<Response>;
type ExportedHandlerScheduledHandler<Env = unknown> = (
	controller: ScheduledController,
	env: Env,
	ctx: ExecutionContext,
) => void | Promise<void>;

interface ExportedHandler<Env = unknown, QueueHandlerMessage = unknown, CfHostMetadata = unknown> {
	fetch?: ExportedHandlerFetchHandler<Env, CfHostMetadata>;
	scheduled?: ExportedHandlerScheduledHandler<Env>;
}

// A Fetcher is anything requests can be sent to: the assets binding, a
// container's TCP port, a Durable Object stub. T adds the RPC methods of the
// class behind it.
type Fetcher<T = undefined, Reserved extends string = never> = (T extends undefined
	? unknown
	: Rpc.Provider<T, Reserved | "fetch" | "connect">) & {
	fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
};

declare namespace Rpc {
	// Calling a method through a stub always crosses an I/O boundary, so
	// every result becomes a promise; properties are read as promises too.
	type Result<R> = Promise<Awaited<R>>;
	type MethodOrProperty<V> = V extends (...args: infer P) => infer R
		? (...args: P) => Result<R>
		: Result<V>;
	type Provider<T, Reserved extends string = never> = {
		[K in Exclude<keyof T, Reserved | symbol>]: MethodOrProperty<T[K]>;
	};
}

/* -------------------------------------------------------- Durable Objects */

interface DurableObjectId {
	toString(): string;
	equals(other: DurableObjectId): boolean;
	readonly name?: string;
}

interface DurableObjectNamespaceNewUniqueIdOptions {
	jurisdiction?: string;
}
interface DurableObjectNamespaceGetDurableObjectOptions {
	locationHint?: string;
}

type DurableObjectStub<T = undefined> = Fetcher<
	T,
	"alarm" | "webSocketMessage" | "webSocketClose" | "webSocketError"
> & {
	readonly id: DurableObjectId;
	readonly name?: string;
};

interface DurableObjectNamespace<T = undefined> {
	newUniqueId(options?: DurableObjectNamespaceNewUniqueIdOptions): DurableObjectId;
	idFromName(name: string): DurableObjectId;
	idFromString(id: string): DurableObjectId;
	get(id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions): DurableObjectStub<T>;
	getByName(name: string, options?: DurableObjectNamespaceGetDurableObjectOptions): DurableObjectStub<T>;
	jurisdiction(jurisdiction: string): DurableObjectNamespace<T>;
}

interface AlarmInvocationInfo {
	readonly isRetry: boolean;
	readonly retryCount: number;
}

// The shape of a Durable Object class that does not extend
// DurableObject from "cloudflare:workers".
interface DurableObject {
	fetch(request: Request): Response | Promise<Response>;
	alarm?(alarmInfo?: AlarmInvocationInfo): void | Promise<void>;
	webSocketMessage?(ws: WebSocket, message: string | ArrayBuffer): void | Promise<void>;
	webSocketClose?(ws: WebSocket, code: number, reason: string, wasClean: boolean): void | Promise<void>;
	webSocketError?(ws: WebSocket, error: unknown): void | Promise<void>;
}

interface DurableObjectState<Props = unknown> {
	readonly id: DurableObjectId;
	readonly storage: DurableObjectStorage;
	readonly props: Props;
	// The container this instance owns, when a "containers" entry names its class.
	container?: Container;
	waitUntil(promise: Promise<any>): void;
	blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
	abort(reason?: string): void;
}

interface DurableObjectGetOptions {
	allowConcurrency?: boolean;
	noCache?: boolean;
}
interface DurableObjectPutOptions {
	allowConcurrency?: boolean;
	allowUnconfirmed?: boolean;
	noCache?: boolean;
}
interface DurableObjectListOptions {
	start?: string;
	startAfter?: string;
	end?: string;
	prefix?: string;
	reverse?: boolean;
	limit?: number;
	allowConcurrency?: boolean;
	noCache?: boolean;
}
interface DurableObjectGetAlarmOptions {
	allowConcurrency?: boolean;
}
interface DurableObjectSetAlarmOptions {
	allowConcurrency?: boolean;
	allowUnconfirmed?: boolean;
}

interface DurableObjectStorage {
	get<T = unknown>(key: string, options?: DurableObjectGetOptions): Promise<T | undefined>;
	get<T = unknown>(keys: string[], options?: DurableObjectGetOptions): Promise<Map<string, T>>;
	list<T = unknown>(options?: DurableObjectListOptions): Promise<Map<string, T>>;
	put<T>(key: string, value: T, options?: DurableObjectPutOptions): Promise<void>;
	put<T>(entries: Record<string, T>, options?: DurableObjectPutOptions): Promise<void>;
	delete(key: string, options?: DurableObjectPutOptions): Promise<boolean>;
	delete(keys: string[], options?: DurableObjectPutOptions): Promise<number>;
	deleteAll(options?: DurableObjectPutOptions): Promise<void>;
	transaction<T>(closure: (txn: DurableObjectTransaction) => Promise<T>): Promise<T>;
	transactionSync<T>(closure: () => T): T;
	getAlarm(options?: DurableObjectGetAlarmOptions): Promise<number | null>;
	setAlarm(scheduledTime: number | Date, options?: DurableObjectSetAlarmOptions): Promise<void>;
	deleteAlarm(options?: DurableObjectSetAlarmOptions): Promise<void>;
	sync(): Promise<void>;
	readonly sql: SqlStorage;
	readonly kv: SyncKvStorage;
}

interface DurableObjectTransaction {
	get<T = unknown>(key: string, options?: DurableObjectGetOptions): Promise<T | undefined>;
	get<T = unknown>(keys: string[], options?: DurableObjectGetOptions): Promise<Map<string, T>>;
	list<T = unknown>(options?: DurableObjectListOptions): Promise<Map<string, T>>;
	put<T>(key: string, value: T, options?: DurableObjectPutOptions): Promise<void>;
	put<T>(entries: Record<string, T>, options?: DurableObjectPutOptions): Promise<void>;
	delete(key: string, options?: DurableObjectPutOptions): Promise<boolean>;
	delete(keys: string[], options?: DurableObjectPutOptions): Promise<number>;
	rollback(): void;
	getAlarm(options?: DurableObjectGetAlarmOptions): Promise<number | null>;
	setAlarm(scheduledTime: number | Date, options?: DurableObjectSetAlarmOptions): Promise<void>;
	deleteAlarm(options?: DurableObjectSetAlarmOptions): Promise<void>;
}

interface SyncKvListOptions {
	start?: string;
	startAfter?: string;
	end?: string;
	prefix?: string;
	reverse?: boolean;
	limit?: number;
}
interface SyncKvStorage {
	get<T = unknown>(key: string): T | undefined;
	list<T = unknown>(options?: SyncKvListOptions): Iterable<[string, T]>;
	put<T>(key: string, value: T): void;
	delete(key: string): boolean;
}

type SqlStorageValue = ArrayBuffer | string | number | null;

interface SqlStorage {
	exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: any[]): SqlStorageCursor<T>;
	readonly databaseSize: number;
}

declare abstract class SqlStorageCursor<T extends Record<string, SqlStorageValue>> {
	next(): { done?: false; value: T } | { done: true; value?: never };
	toArray(): T[];
	one(): T;
	raw<U extends SqlStorageValue[]>(): IterableIterator<U>;
	readonly columnNames: string[];
	readonly rowsRead: number;
	readonly rowsWritten: number;
	[Symbol.iterator](): IterableIterator<T>;
}

/* ------------------------------------------------------------- Containers */

interface ContainerStartupOptions {
	entrypoint?: string[];
	enableInternet: boolean;
	env?: Record<string, string>;
	labels?: Record<string, string>;
}

// ctx.container: the container instance behind a Durable Object.
interface Container {
	readonly running: boolean;
	start(options?: ContainerStartupOptions): void;
	monitor(): Promise<void>;
	destroy(error?: any): Promise<void>;
	signal(signo: number): void;
	getTcpPort(port: number): Fetcher;
}

/* ------------------------------------------------------- KV, D1 and R2 */

// Workers KV (kv_namespaces): valet dev and the host keep it locally.
interface KVNamespaceGetOptions<Type> {
	type: Type;
	cacheTtl?: number;
}
interface KVNamespacePutOptions {
	expiration?: number;
	expirationTtl?: number;
	metadata?: any | null;
}
interface KVNamespaceListOptions {
	limit?: number;
	prefix?: string | null;
	cursor?: string | null;
}
interface KVNamespaceListKey<Metadata, Key extends string = string> {
	name: Key;
	expiration?: number;
	metadata?: Metadata;
}
type KVNamespaceListResult<Metadata, Key extends string = string> =
	| { list_complete: false; keys: KVNamespaceListKey<Metadata, Key>[]; cursor: string; cacheStatus: string | null }
	| { list_complete: true; keys: KVNamespaceListKey<Metadata, Key>[]; cacheStatus: string | null };
interface KVNamespaceGetWithMetadataResult<Value, Metadata> {
	value: Value | null;
	metadata: Metadata | null;
	cacheStatus: string | null;
}
interface KVNamespace<Key extends string = string> {
	get(key: Key, options?: Partial<KVNamespaceGetOptions<undefined>>): Promise<string | null>;
	get(key: Key, type: "text"): Promise<string | null>;
	get<ExpectedValue = unknown>(key: Key, type: "json"): Promise<ExpectedValue | null>;
	get(key: Key, type: "arrayBuffer"): Promise<ArrayBuffer | null>;
	get(key: Key, type: "stream"): Promise<ReadableStream | null>;
	get(key: Key, options?: KVNamespaceGetOptions<"text">): Promise<string | null>;
	get<ExpectedValue = unknown>(key: Key, options?: KVNamespaceGetOptions<"json">): Promise<ExpectedValue | null>;
	get(key: Key, options?: KVNamespaceGetOptions<"arrayBuffer">): Promise<ArrayBuffer | null>;
	get(key: Key, options?: KVNamespaceGetOptions<"stream">): Promise<ReadableStream | null>;
	get(key: Array<Key>, type: "text"): Promise<Map<string, string | null>>;
	get<ExpectedValue = unknown>(key: Array<Key>, type: "json"): Promise<Map<string, ExpectedValue | null>>;
	get(key: Array<Key>, options?: Partial<KVNamespaceGetOptions<undefined>>): Promise<Map<string, string | null>>;
	get(key: Array<Key>, options?: KVNamespaceGetOptions<"text">): Promise<Map<string, string | null>>;
	get<ExpectedValue = unknown>(key: Array<Key>, options?: KVNamespaceGetOptions<"json">): Promise<Map<string, ExpectedValue | null>>;
	list<Metadata = unknown>(options?: KVNamespaceListOptions): Promise<KVNamespaceListResult<Metadata, Key>>;
	put(key: Key, value: string | ArrayBuffer | ArrayBufferView | ReadableStream, options?: KVNamespacePutOptions): Promise<void>;
	getWithMetadata<Metadata = unknown>(key: Key, options?: Partial<KVNamespaceGetOptions<undefined>>): Promise<KVNamespaceGetWithMetadataResult<string, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Key, type: "text"): Promise<KVNamespaceGetWithMetadataResult<string, Metadata>>;
	getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(key: Key, type: "json"): Promise<KVNamespaceGetWithMetadataResult<ExpectedValue, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Key, type: "arrayBuffer"): Promise<KVNamespaceGetWithMetadataResult<ArrayBuffer, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Key, type: "stream"): Promise<KVNamespaceGetWithMetadataResult<ReadableStream, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Key, options: KVNamespaceGetOptions<"text">): Promise<KVNamespaceGetWithMetadataResult<string, Metadata>>;
	getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(key: Key, options: KVNamespaceGetOptions<"json">): Promise<KVNamespaceGetWithMetadataResult<ExpectedValue, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Key, options: KVNamespaceGetOptions<"arrayBuffer">): Promise<KVNamespaceGetWithMetadataResult<ArrayBuffer, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Key, options: KVNamespaceGetOptions<"stream">): Promise<KVNamespaceGetWithMetadataResult<ReadableStream, Metadata>>;
	getWithMetadata<Metadata = unknown>(key: Array<Key>, type: "text"): Promise<Map<string, KVNamespaceGetWithMetadataResult<string, Metadata> | null>>;
	getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(key: Array<Key>, type: "json"): Promise<Map<string, KVNamespaceGetWithMetadataResult<ExpectedValue, Metadata> | null>>;
	getWithMetadata<Metadata = unknown>(key: Array<Key>, options?: Partial<KVNamespaceGetOptions<undefined>>): Promise<Map<string, KVNamespaceGetWithMetadataResult<string, Metadata> | null>>;
	delete(key: Key): Promise<void>;
}

// D1 (d1_databases): SQLite, on local disk.
interface D1Meta {
	duration: number;
	size_after: number;
	rows_read: number;
	rows_written: number;
	last_row_id: number;
	changed_db: boolean;
	changes: number;
	served_by_region?: string;
	served_by_primary?: boolean;
	timings?: { sql_duration_ms: number };
	total_attempts?: number;
}
interface D1Response {
	success: true;
	meta: D1Meta & Record<string, unknown>;
	error?: never;
}
type D1Result<T = unknown> = D1Response & { results: T[] };
interface D1ExecResult {
	count: number;
	duration: number;
}
type D1SessionConstraint = "first-primary" | "first-unconstrained";
type D1SessionBookmark = string;
declare abstract class D1PreparedStatement {
	bind(...values: unknown[]): D1PreparedStatement;
	first<T = unknown>(colName: string): Promise<T | null>;
	first<T = Record<string, unknown>>(): Promise<T | null>;
	run<T = Record<string, unknown>>(): Promise<D1Result<T>>;
	all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
	raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
	raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
}
declare abstract class D1DatabaseSession {
	prepare(query: string): D1PreparedStatement;
	batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
	getBookmark(): D1SessionBookmark | null;
}
declare abstract class D1Database {
	prepare(query: string): D1PreparedStatement;
	batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]>;
	exec(query: string): Promise<D1ExecResult>;
	withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession;
	dump(): Promise<ArrayBuffer>;
}

// R2 (r2_buckets): on local disk, or an S3-compatible store on a host.
interface R2HTTPMetadata {
	contentType?: string;
	contentLanguage?: string;
	contentDisposition?: string;
	contentEncoding?: string;
	cacheControl?: string;
	cacheExpiry?: Date;
}
interface R2Checksums {
	readonly md5?: ArrayBuffer;
	readonly sha1?: ArrayBuffer;
	readonly sha256?: ArrayBuffer;
	readonly sha384?: ArrayBuffer;
	readonly sha512?: ArrayBuffer;
	toJSON(): R2StringChecksums;
}
interface R2StringChecksums {
	md5?: string;
	sha1?: string;
	sha256?: string;
	sha384?: string;
	sha512?: string;
}
type R2Range = { offset: number; length?: number } | { offset?: number; length: number } | { suffix: number };
interface R2Conditional {
	etagMatches?: string;
	etagDoesNotMatch?: string;
	uploadedBefore?: Date;
	uploadedAfter?: Date;
	secondsGranularity?: boolean;
}
interface R2GetOptions {
	onlyIf?: R2Conditional | Headers;
	range?: R2Range | Headers;
	ssecKey?: ArrayBuffer | string;
}
interface R2PutOptions {
	onlyIf?: R2Conditional | Headers;
	httpMetadata?: R2HTTPMetadata | Headers;
	customMetadata?: Record<string, string>;
	md5?: ArrayBuffer | string;
	sha1?: ArrayBuffer | string;
	sha256?: ArrayBuffer | string;
	sha384?: ArrayBuffer | string;
	sha512?: ArrayBuffer | string;
	storageClass?: string;
	ssecKey?: ArrayBuffer | string;
}
interface R2MultipartOptions {
	httpMetadata?: R2HTTPMetadata | Headers;
	customMetadata?: Record<string, string>;
	storageClass?: string;
	ssecKey?: ArrayBuffer | string;
}
interface R2ListOptions {
	limit?: number;
	prefix?: string;
	cursor?: string;
	delimiter?: string;
	startAfter?: string;
	include?: ("httpMetadata" | "customMetadata")[];
}
declare abstract class R2Object {
	readonly key: string;
	readonly version: string;
	readonly size: number;
	readonly etag: string;
	readonly httpEtag: string;
	readonly checksums: R2Checksums;
	readonly uploaded: Date;
	readonly httpMetadata?: R2HTTPMetadata;
	readonly customMetadata?: Record<string, string>;
	readonly range?: R2Range;
	readonly storageClass: string;
	readonly ssecKeyMd5?: string;
	writeHttpMetadata(headers: Headers): void;
}
interface R2ObjectBody extends R2Object {
	get body(): ReadableStream;
	get bodyUsed(): boolean;
	arrayBuffer(): Promise<ArrayBuffer>;
	bytes(): Promise<Uint8Array>;
	text(): Promise<string>;
	json<T>(): Promise<T>;
	blob(): Promise<Blob>;
}
type R2Objects = {
	objects: R2Object[];
	delimitedPrefixes: string[];
} & ({ truncated: true; cursor: string } | { truncated: false });
interface R2UploadedPart {
	partNumber: number;
	etag: string;
}
declare abstract class R2MultipartUpload {
	readonly key: string;
	readonly uploadId: string;
	uploadPart(partNumber: number, value: ReadableStream | ArrayBuffer | ArrayBufferView | string | Blob, options?: { ssecKey?: ArrayBuffer | string }): Promise<R2UploadedPart>;
	abort(): Promise<void>;
	complete(uploadedParts: R2UploadedPart[]): Promise<R2Object>;
}
declare abstract class R2Bucket {
	head(key: string): Promise<R2Object | null>;
	get(key: string, options: R2GetOptions & { onlyIf: R2Conditional | Headers }): Promise<R2ObjectBody | R2Object | null>;
	get(key: string, options?: R2GetOptions): Promise<R2ObjectBody | null>;
	put(
		key: string,
		value: ReadableStream | ArrayBuffer | ArrayBufferView | string | null | Blob,
		options?: R2PutOptions & { onlyIf: R2Conditional | Headers },
	): Promise<R2Object | null>;
	put(key: string, value: ReadableStream | ArrayBuffer | ArrayBufferView | string | null | Blob, options?: R2PutOptions): Promise<R2Object>;
	createMultipartUpload(key: string, options?: R2MultipartOptions): Promise<R2MultipartUpload>;
	resumeMultipartUpload(key: string, uploadId: string): R2MultipartUpload;
	delete(keys: string | string[]): Promise<void>;
	list(options?: R2ListOptions): Promise<R2Objects>;
}

/* ----------------------------------------------------- cloudflare:workers */

declare module "cloudflare:workers" {
	export abstract class DurableObject<Env = Cloudflare.Env, Props = unknown> {
		protected ctx: DurableObjectState<Props>;
		protected env: Env;
		constructor(ctx: DurableObjectState<Props>, env: Env);
		fetch?(request: Request): Response | Promise<Response>;
		alarm?(alarmInfo?: AlarmInvocationInfo): void | Promise<void>;
		webSocketMessage?(ws: WebSocket, message: string | ArrayBuffer): void | Promise<void>;
		webSocketClose?(ws: WebSocket, code: number, reason: string, wasClean: boolean): void | Promise<void>;
		webSocketError?(ws: WebSocket, error: unknown): void | Promise<void>;
	}

	export abstract class WorkerEntrypoint<Env = Cloudflare.Env, Props = {}> {
		protected ctx: ExecutionContext<Props>;
		protected env: Env;
		constructor(ctx: ExecutionContext<Props>, env: Env);
		fetch?(request: Request): Response | Promise<Response>;
		scheduled?(controller: ScheduledController): void | Promise<void>;
	}

	export abstract class RpcTarget {
		constructor();
	}

	// The bindings of the running environment, importable at module scope.
	export const env: Cloudflare.Env;
	export function waitUntil(promise: Promise<unknown>): void;
}

/* ------------------------------------------------------ Platform services */

// Hyperdrive (hyperdrive): under valet, a connection to the binding's local
// database. A driver connects with connectionString, or with host, port,
// user, password and database; connect() opens the socket itself.
interface Hyperdrive {
	connect(): Socket;
	readonly connectionString: string;
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly password: string;
	readonly database: string;
}

// Rate limiting (ratelimits).
interface RateLimitOptions {
	key: string;
}
interface RateLimitOutcome {
	success: boolean;
}
interface RateLimit {
	limit(options: RateLimitOptions): Promise<RateLimitOutcome>;
}

// Version metadata (version_metadata).
interface WorkerVersionMetadata {
	readonly id: string;
	readonly tag: string;
	readonly timestamp: string;
}

// Sending email (send_email): valet writes each message to a local outbox.
type EmailAddress = string | { name: string; email: string };
interface EmailAttachment {
	disposition: "inline" | "attachment";
	contentId?: string;
	filename: string;
	type: string;
	content: string | ArrayBuffer | ArrayBufferView;
}
interface EmailMessageBuilder {
	from: EmailAddress;
	to: EmailAddress | EmailAddress[];
	cc?: EmailAddress | EmailAddress[];
	bcc?: EmailAddress | EmailAddress[];
	replyTo?: EmailAddress;
	subject: string;
	text?: string;
	html?: string;
	headers?: Record<string, string>;
	attachments?: EmailAttachment[];
}
interface EmailSendResult {
	messageId: string;
}
interface EmailMessage {
	readonly from: string;
	readonly to: string;
}
interface SendEmail {
	send(message: EmailMessage | EmailMessageBuilder): Promise<EmailSendResult>;
}
declare module "cloudflare:email" {
	export class EmailMessage {
		constructor(from: string, to: string, raw: ReadableStream | string);
		readonly from: string;
		readonly to: string;
	}
}

// Secrets Store (secrets_store_secrets).
interface SecretsStoreSecret {
	get(): Promise<string>;
}

// Analytics Engine (analytics_engine_datasets): valet writes each point to
// a local file.
interface AnalyticsEngineDataPoint {
	indexes?: ((ArrayBuffer | string) | null)[];
	doubles?: number[];
	blobs?: ((ArrayBuffer | string) | null)[];
}
interface AnalyticsEngineDataset {
	writeDataPoint(event?: AnalyticsEngineDataPoint): void;
}

// Workers AI (ai): no local implementation; each call fails under valet.
interface Ai {
	run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<any>;
}

/* ----------------------------------------------------- cloudflare:sockets */

interface SocketAddress {
	hostname: string;
	port: number;
}
interface SocketOptions {
	secureTransport?: "off" | "on" | "starttls";
	allowHalfOpen?: boolean;
}
interface SocketInfo {
	remoteAddress?: string;
	localAddress?: string;
}
interface Socket {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	readonly closed: Promise<void>;
	readonly opened: Promise<SocketInfo>;
	close(): Promise<void>;
	startTls(): Socket;
}
declare module "cloudflare:sockets" {
	export function connect(address: string | SocketAddress, options?: SocketOptions): Socket;
}
