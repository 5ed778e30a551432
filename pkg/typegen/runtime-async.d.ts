
/* ------------------------------------------- Queues, Workflows, services */

// A service binding (services): fetch, and the RPC methods of the
// entrypoint T bound, a WorkerEntrypoint class or an ExportedHandler.
type Service<T = undefined> = T extends abstract new (...args: any[]) => infer I
	? Fetcher<I>
	: T extends ExportedHandler<any, any, any>
		? Fetcher
		: Fetcher<T>;

// Queues (queues.producers): valet dev and the host keep the messages on disk.
type QueueContentType = "text" | "bytes" | "json" | "v8";
interface QueueSendOptions {
	contentType?: QueueContentType;
	delaySeconds?: number;
}
interface QueueSendBatchOptions {
	delaySeconds?: number;
}
interface MessageSendRequest<Body = unknown> {
	body: Body;
	contentType?: QueueContentType;
	delaySeconds?: number;
}
interface QueueMetrics {
	backlogCount: number;
	backlogBytes: number;
	oldestMessageTimestamp?: Date;
}
interface QueueSendResponse {
	metadata: { metrics: QueueMetrics };
}
interface QueueSendBatchResponse {
	metadata: { metrics: QueueMetrics };
}
interface Queue<Body = unknown> {
	send(message: Body, options?: QueueSendOptions): Promise<QueueSendResponse>;
	sendBatch(messages: Iterable<MessageSendRequest<Body>>, options?: QueueSendBatchOptions): Promise<QueueSendBatchResponse>;
	metrics(): Promise<QueueMetrics>;
}

// What a consumer (queues.consumers) receives.
interface QueueRetryOptions {
	delaySeconds?: number;
}
interface Message<Body = unknown> {
	readonly id: string;
	readonly timestamp: Date;
	readonly body: Body;
	readonly attempts: number;
	retry(options?: QueueRetryOptions): void;
	ack(): void;
}
interface MessageBatch<Body = unknown> {
	readonly queue: string;
	readonly messages: readonly Message<Body>[];
	retryAll(options?: QueueRetryOptions): void;
	ackAll(): void;
}
type ExportedHandlerQueueHandler<Env = unknown, Message = unknown> = (
	batch: MessageBatch<Message>,
	env: Env,
	ctx: ExecutionContext,
) => void | Promise<void>;
interface ExportedHandler<Env = unknown, QueueHandlerMessage = unknown, CfHostMetadata = unknown> {
	queue?: ExportedHandlerQueueHandler<Env, QueueHandlerMessage>;
}

// Workflows (workflows): a binding creates and reaches instances.
interface WorkflowInstanceCreateOptions<PARAMS = unknown> {
	id?: string;
	params?: PARAMS;
	retention?: {
		successRetention?: string | number;
		errorRetention?: string | number;
	};
}
type InstanceStatus = {
	status: "queued" | "running" | "paused" | "errored" | "terminated" | "complete" | "waiting" | "waitingForPause" | "unknown";
	error?: { name: string; message: string };
	output?: unknown;
};
declare abstract class WorkflowInstance {
	readonly id: string;
	pause(): Promise<void>;
	resume(): Promise<void>;
	terminate(): Promise<void>;
	restart(): Promise<void>;
	status(): Promise<InstanceStatus>;
	sendEvent(event: { type: string; payload: unknown }): Promise<void>;
}
declare abstract class Workflow<PARAMS = unknown> {
	get(id: string): Promise<WorkflowInstance>;
	create(options?: WorkflowInstanceCreateOptions<PARAMS>): Promise<WorkflowInstance>;
	createBatch(batch: WorkflowInstanceCreateOptions<PARAMS>[]): Promise<WorkflowInstance[]>;
}

declare module "cloudflare:workers" {
	export interface WorkerEntrypoint<Env = Cloudflare.Env, Props = {}> {
		queue?(batch: MessageBatch<unknown>): void | Promise<void>;
	}

	export type WorkflowDurationLabel = "second" | "minute" | "hour" | "day" | "week" | "month" | "year";
	export type WorkflowSleepDuration = `${number} ${WorkflowDurationLabel}${"s" | ""}` | number;
	export type WorkflowDelayDuration = WorkflowSleepDuration;
	export type WorkflowTimeoutDuration = WorkflowSleepDuration;
	export type WorkflowBackoff = "constant" | "linear" | "exponential";
	export type WorkflowStepConfig = {
		retries?: { limit: number; delay: WorkflowDelayDuration; backoff?: WorkflowBackoff };
		timeout?: WorkflowTimeoutDuration;
	};
	export type WorkflowEvent<T> = {
		payload: Readonly<T>;
		timestamp: Date;
		instanceId: string;
	};
	export type WorkflowStepEvent<T> = {
		payload: Readonly<T>;
		timestamp: Date;
		type: string;
	};
	export abstract class WorkflowStep {
		do<T>(name: string, callback: () => Promise<T>): Promise<T>;
		do<T>(name: string, config: WorkflowStepConfig, callback: () => Promise<T>): Promise<T>;
		sleep(name: string, duration: WorkflowSleepDuration): Promise<void>;
		sleepUntil(name: string, timestamp: Date | number): Promise<void>;
		waitForEvent<T>(name: string, options: { type: string; timeout?: WorkflowTimeoutDuration }): Promise<WorkflowStepEvent<T>>;
	}
	export abstract class WorkflowEntrypoint<Env = Cloudflare.Env, T = unknown> {
		protected ctx: ExecutionContext;
		protected env: Env;
		constructor(ctx: ExecutionContext, env: Env);
		run(event: Readonly<WorkflowEvent<T>>, step: WorkflowStep): Promise<unknown>;
	}
}

declare module "cloudflare:workflows" {
	// Thrown from a step, fails it at once, with no retry.
	export class NonRetryableError extends Error {
		constructor(message: string, name?: string);
	}
}
