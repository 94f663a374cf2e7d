/** Tools: the token inspector and the distribution-point probe. */
import { ProbePanel } from '../components/probe-panel.js';
import { TokenInspector } from '../components/token-inspector.js';
import { useResource } from '../lib/use-resource.js';
import { useCanWrite } from '../lib/user.js';
import { loadConfigurations } from './configurations.js';

/** Tools page. */
export function ToolsPage() {
  const configs = useResource(loadConfigurations, []);
  const options = configs.data ?? [];
  const canWrite = useCanWrite();
  return (
    <section>
      <h1>Tools</h1>
      <TokenInspector configurations={options} />
      {/* The probe signs with a configuration's private key and calls out: admins only. */}
      {canWrite && <ProbePanel configurations={options} />}
    </section>
  );
}
