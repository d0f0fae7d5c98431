/** The admin area's own navigation, under each admin page's heading. */
import { Link } from "../components/Link.tsx";

export function AdminNav() {
  return (
    <nav aria-label="Admin" className="admin-nav">
      <ul>
        <li>
          <Link to="/manage">Devices and pools</Link>
        </li>
        <li>
          <Link to="/manage/sessions">Sessions and queues</Link>
        </li>
        <li>
          <Link to="/manage/audit">Audit log</Link>
        </li>
        <li>
          <Link to="/manage/webhooks">Webhooks</Link>
        </li>
      </ul>
    </nav>
  );
}
