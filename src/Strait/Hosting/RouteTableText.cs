using System.Text;
using Strait.Gateway;
using Strait.Routing;

namespace Strait.Hosting;

/// <summary>The route table as aligned text, for <c>strait routes</c>.</summary>
internal static class RouteTableText
{
    public static string Format(RouteTable table, RoutePlans plans)
    {
        var rows = new List<string[]> { new[] { "VERB", "TEMPLATE", "METHOD", "BODY", "RESPONSE_BODY", "CLUSTER", "SOURCE" } };
        foreach (var route in table.Routes.OrderBy(r => r.Template.ToString(), StringComparer.Ordinal).ThenBy(r => r.HttpMethod, StringComparer.Ordinal))
        {
            rows.Add(
            [
                route.HttpMethod,
                route.Template.ToString(),
                route.Method.FullName,
                route.Body?.ToString() ?? "-",
                route.ResponseBody?.Name ?? "-",
                plans.For(route).Cluster.Name,
                route.Source.ToString().ToLowerInvariant(),
            ]);
        }

        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                text.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
