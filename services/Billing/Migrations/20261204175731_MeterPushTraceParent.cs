using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Billing.Migrations
{
    /// <inheritdoc />
    public partial class MeterPushTraceParent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "meter_pushes",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "meter_pushes");
        }
    }
}
