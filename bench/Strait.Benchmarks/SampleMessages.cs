using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Strait.Benchmarks.Protos;

namespace Strait.Benchmarks;

public enum MessageSize
{
    Small,
    Medium,
    Large,
}

/// <summary>Deterministic sample messages for the three sizes the codec targets are stated for.</summary>
public static class SampleMessages
{
    public static IMessage Create(MessageSize size) => size switch
    {
        MessageSize.Small => CreateAccount(7),
        MessageSize.Medium => CreateOrder(7),
        MessageSize.Large => CreateOrderPage(100),
        _ => throw new ArgumentOutOfRangeException(nameof(size)),
    };

    public static Account CreateAccount(int seed) => new()
    {
        Id = 1000 + seed,
        Number = 9_007_199_254_740_993L + seed,
        Name = $"Account holder {seed}",
        Active = seed % 2 == 1,
        Score = 98.25 + seed,
        Ratio = 0.125f * seed,
        Flags = 0x80u + (uint)seed,
        Kind = Kind.User,
        Token = ByteString.CopyFrom([(byte)seed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
        BalanceDelta = -12_345 - seed,
        Region = 42,
    };

    public static Order CreateOrder(int seed)
    {
        var order = new Order
        {
            Id = $"order-{seed:D8}",
            Customer = CreateAccount(seed),
            Shipping = CreateAddress(seed),
            Billing = CreateAddress(seed + 1),
            Created = Timestamp.FromDateTime(new DateTime(2026, 3, 1, 12, 30, 15, DateTimeKind.Utc).AddMinutes(seed)),
            Updated = Timestamp.FromDateTime(new DateTime(2026, 3, 2, 8, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567 * seed)),
            Kind = Kind.Service,
            Note = "Leave the parcel with the neighbour if nobody answers the door; the dog is friendly.",
        };
        for (var i = 0; i < 8; i++)
        {
            order.Items.Add(new LineItem
            {
                Sku = $"SKU-{seed:D4}-{i:D3}",
                Quantity = i + 1,
                PriceMicros = 1_990_000L * (i + 1),
                Description = $"Item {i} of order {seed}, colour \"blue\", size M",
                Tags = { "gift", $"batch-{i % 3}", "fragile" },
            });
        }

        for (var i = 0; i < 6; i++)
        {
            order.Labels.Add($"label-{i}", $"value-{seed}-{i}");
        }

        for (var i = 0; i < 8; i++)
        {
            order.Related.Add(1_000_000_000_000L + (seed * 10) + i);
        }

        return order;
    }

    public static OrderPage CreateOrderPage(int orders)
    {
        var page = new OrderPage { NextPageToken = "eyJvZmZzZXQiOjEwMH0" };
        for (var i = 0; i < orders; i++)
        {
            page.Orders.Add(CreateOrder(i));
        }

        return page;
    }

    private static Address CreateAddress(int seed) => new()
    {
        Street = $"{seed} Harbour Road",
        City = "Lisbon",
        Country = "PT",
        PostalCode = $"1100-{seed:D3}",
    };
}
