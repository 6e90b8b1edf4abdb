import { api } from '../api';
import { href } from '../router';
import { Flash, ScreenHeading, Show, Time, useFlash, useLoad } from '../ui';

export function Agents() {
  const agents = useLoad(() => api.listAgents(), []);
  const flash = useFlash();
  return (
    <main>
      <ScreenHeading>Agents</ScreenHeading>
      <Flash message={flash} />
      <p class="muted">
        The Platform registers your agents here after each training. Open an agent to configure its channels.
      </p>
      <Show loaded={agents} what="agents">
        {(list) =>
          list.length === 0 ? (
            <p class="notice" role="status">
              No agent yet. The Platform's agent service registers them with{' '}
              <code>PUT /api/v1/agents/&#123;agentId&#125;</code>.
            </p>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="visually-hidden">Your agents</caption>
                <thead>
                  <tr>
                    <th scope="col">Title</th>
                    <th scope="col">ID</th>
                    <th scope="col">Trained</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((agent) => (
                    <tr key={agent.agentId}>
                      <td>
                        <a href={href.agent(agent.agentId)}>{agent.title ?? agent.agentId}</a>
                      </td>
                      <td>
                        <code>{agent.agentId}</code>
                      </td>
                      <td>{agent.trained ? 'Yes' : <span class="badge warn">Not trained</span>}</td>
                      <td>
                        <Time value={agent.updatedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </main>
  );
}
