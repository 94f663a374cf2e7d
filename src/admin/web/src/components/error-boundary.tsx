/** Keeps one broken page from blanking the whole console: shows the error and a way back. */
import { Component, type ComponentChildren } from 'preact';

/** Props of {@link ErrorBoundary}; `resetKey` (the route) clears the error on navigation. */
export interface ErrorBoundaryProps {
  resetKey: string;
  children: ComponentChildren;
}

/** Catches render errors below it. */
export class ErrorBoundary extends Component<
  ErrorBoundaryProps,
  { error: Error | null; key: string }
> {
  override state = { error: null as Error | null, key: '' };

  static override getDerivedStateFromProps(
    props: ErrorBoundaryProps,
    state: { error: Error | null; key: string },
  ) {
    return props.resetKey === state.key ? null : { error: null, key: props.resetKey };
  }

  override componentDidCatch(error: Error): void {
    this.setState({ error });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div class="banner error" role="alert">
        This page failed to display: {this.state.error.message}. Reload the page or choose another
        section.
      </div>
    );
  }
}
