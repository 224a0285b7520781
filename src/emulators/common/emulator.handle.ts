/** What every running emulator gives its owner, whatever the vendor. */
export interface EmulatorHandle {
  /** Stable identifier, e.g. `huawei-modelarts`. */
  readonly name: string;
  /** Base URL with no trailing slash, e.g. `http://127.0.0.1:4104`. */
  readonly url: string;
  /** Stops listening and drops every connection, including requests held by `hang`. */
  close(): Promise<void>;
}
