using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Billing.Migrations
{
    /// <summary>
    /// Billing's copy of each tallied hour was named <c>usage_windows</c>, like Usage's own tally: it is now
    /// <c>billable_hours</c>, renamed in place (no data moves). The instances of the previous release keep running
    /// during a rollout and still say <c>usage_windows</c>, so a view of that name, which PostgreSQL updates through
    /// (inserts with ON CONFLICT and row locks included), stands in for the old table until the next release drops it.
    /// The namespace of the billing-account entities also moved (Cic.Billing.BillingAccounts): that changes no table.
    /// </summary>
    public partial class BillableHoursAndBillingAccountsFolder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameTable(name: "usage_windows", newName: "billable_hours");
            migrationBuilder.Sql("ALTER TABLE billable_hours RENAME CONSTRAINT pk_usage_windows TO pk_billable_hours;");
            migrationBuilder.RenameIndex(
                name: "ix_usage_windows_payer_id_window_start",
                table: "billable_hours",
                newName: "ix_billable_hours_payer_id_window_start");
            migrationBuilder.Sql("CREATE VIEW usage_windows AS SELECT * FROM billable_hours;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW usage_windows;");
            migrationBuilder.RenameIndex(
                name: "ix_billable_hours_payer_id_window_start",
                table: "billable_hours",
                newName: "ix_usage_windows_payer_id_window_start");
            migrationBuilder.Sql("ALTER TABLE billable_hours RENAME CONSTRAINT pk_billable_hours TO pk_usage_windows;");
            migrationBuilder.RenameTable(name: "billable_hours", newName: "usage_windows");
        }
    }
}
