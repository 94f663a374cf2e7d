/** Tools: the token inspector and the distribution-point probe. */
import { ProbePanel } from '../components/probe-panel.js';
import { TokenInspector } from '../components/token-inspector.js';
import { useResource } from '../lib/use-resource.js';
import { loadConfigurations } from './configurations.js';

/** Tools page. */
export function ToolsPage() {
  const configs = useResource(loadConfigurations, []);
  const options = configs.data ?? [];
  return (
    <section>
      <h1>Tools</h1>
      <TokenInspector configurations={options} />
      <ProbePanel configurations={options} />
    </section>
  );
}
