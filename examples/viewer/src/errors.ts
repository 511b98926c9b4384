import { MedaasError } from '@medaas/core';

/** The failures of the viewer example, as literal codes. */
export type ViewerErrorCode =
  /** A grid whose affine cannot be inverted, or whose dimensions are not positive whole numbers. */
  | 'VIEWER_INVALID_GRID'
  /** Server options that are not allowed, e.g. a host that is not a loopback address. */
  | 'VIEWER_INVALID_OPTIONS'
  /** A click request whose points are malformed or outside the image. */
  | 'VIEWER_INVALID_CLICKS'
  /** The viewer's back end answered with a non-2xx status. */
  | 'VIEWER_HTTP_STATUS'
  /** The viewer's back end could not be reached or closed the connection. */
  | 'VIEWER_CONNECTION'
  /** The viewer's back end could not bind its port. */
  | 'VIEWER_LISTEN';

/**
 * The one error class of the viewer example (a {@link MedaasError} with a {@link ViewerErrorCode}).
 *
 * @example
 * ```ts
 * if (isMedaasError(error, 'VIEWER_HTTP_STATUS')) console.warn(error.details['status']);
 * ```
 */
export class ViewerError extends MedaasError<ViewerErrorCode> {}
